-- 012_payments.sql — online payment of bills by owners through WeChat Pay
-- API v3, JSAPI (PAY-1; lib/payments.h, docs/payments.md, PROTOCOLS.md §2).
--
-- The life of an order: a payment is made pending with its bills held
-- (bills.open_payment_id) in one transaction; WeChat Pay is asked for a
-- prepay_id outside any transaction; a verified notification, or an order
-- query, then applies it to the books exactly once (a receipt per resource,
-- method 'wechat_pay'), or the expiry job closes it and lets the bills go.
--
-- Exactly once: the payment row is locked (FOR UPDATE) by whoever applies
-- or closes it and only a pending payment is applied or closed; the unique
-- transaction_id makes a second application of one WeChat Pay transaction
-- impossible even through another path.

CREATE TABLE payments (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  -- our order's id towards WeChat Pay: 'W', the China date, 20 random
  -- letters and digits (pay_trade_no()): unique and not guessable
  out_trade_no    VARCHAR(32) CHARACTER SET ascii NOT NULL,
  person_id       INT UNSIGNED NOT NULL,
  project_id      INT UNSIGNED NOT NULL,
  -- the payer WeChat Pay was told of (persons.openid at creation)
  openid          VARCHAR(64) CHARACTER SET ascii NOT NULL,
  -- Σ payment_bills.amount_fen: the bills' due_fen at creation, fixed
  total_fen       BIGINT NOT NULL,
  status          ENUM('pending','paid','closed','refunded','partially_refunded')
                  NOT NULL DEFAULT 'pending',
  description     VARCHAR(127) NOT NULL,
  -- NULL until WeChat Pay answered the order (or when it never did)
  prepay_id       VARCHAR(64) CHARACTER SET ascii NULL,
  expires_at      DATETIME NOT NULL,
  created_at      DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  -- WeChat Pay's success_time (UTC, as every time stored)
  paid_at         DATETIME NULL,
  closed_at       DATETIME NULL,
  -- why it closed: expired (the job), failed (WeChat Pay refused the
  -- order or could not be reached), cancelled (the owner)
  close_reason    ENUM('expired','failed','cancelled') NULL,
  transaction_id  VARCHAR(64) CHARACTER SET ascii NULL,
  -- what the payer paid (less than total when a WeChat coupon applied;
  -- the books count total_fen)
  payer_total_fen BIGINT NULL,
  -- the first receipt of the payment (one per resource: receipts.payment_id)
  receipt_id      BIGINT UNSIGNED NULL,
  -- the last order query made for it (GET /owner/payments/{id} asks at
  -- most every few seconds, across hosts)
  checked_at      DATETIME NULL,
  UNIQUE KEY uk_payments_trade_no (out_trade_no),
  UNIQUE KEY uk_payments_transaction (transaction_id),
  KEY ix_payments_person (person_id, id),
  KEY ix_payments_due (status, expires_at),
  CONSTRAINT fk_payments_person FOREIGN KEY (person_id) REFERENCES persons (id),
  CONSTRAINT fk_payments_project FOREIGN KEY (project_id) REFERENCES projects (id),
  CONSTRAINT ck_payments_total CHECK (total_fen > 0 AND total_fen <= 999999999999999),
  CONSTRAINT ck_payments_paid CHECK ((status = 'pending' OR status = 'closed')
                                     = (transaction_id IS NULL))
) ENGINE=InnoDB;

-- The bills of a payment and what it pays of each: the bill's due_fen at
-- creation, fixed. Applied as is, also when the late fee has grown since
-- (the bill then stays partial) — docs/payments.md.
CREATE TABLE payment_bills (
  payment_id   BIGINT UNSIGNED NOT NULL,
  bill_id      BIGINT UNSIGNED NOT NULL,
  resource_id  INT UNSIGNED NOT NULL,
  amount_fen   BIGINT NOT NULL,
  PRIMARY KEY (payment_id, bill_id),
  KEY ix_payment_bills_bill (bill_id),
  CONSTRAINT fk_payment_bills_payment FOREIGN KEY (payment_id) REFERENCES payments (id),
  CONSTRAINT fk_payment_bills_bill FOREIGN KEY (bill_id) REFERENCES bills (id),
  CONSTRAINT ck_payment_bills_amount CHECK (amount_fen >= 0)
) ENGINE=InnoDB;

-- What WeChat Pay told us that was verified: each applied transaction
-- (the proof), and everything the office must look at (alert = 1): a
-- notification that matches no order of ours or not its amount, appid or
-- mchid; a success for an order we had closed (the reconciliation rule of
-- docs/payments.md); money that no longer had an open bill to pay and
-- went to the prepayment account; a notification we could not decrypt.
-- notice_id is the notification's id (the same on every retry), NULL for
-- what an order query found: with kind it makes a retried notification
-- one row.
CREATE TABLE payment_events (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  source          ENUM('notify','query') NOT NULL,
  notice_id       VARCHAR(64) CHARACTER SET ascii NULL,
  kind            ENUM('applied','not_success','unknown_order','mismatch','closed_order_paid',
                       'second_transaction','to_prepay','undecryptable') NOT NULL,
  alert           TINYINT(1) NOT NULL,
  payment_id      BIGINT UNSIGNED NULL,
  out_trade_no    VARCHAR(64) NULL,
  transaction_id  VARCHAR(64) NULL,
  trade_state     VARCHAR(32) NULL,
  amount_fen      BIGINT NULL,
  detail          VARCHAR(200) NOT NULL DEFAULT '',
  created_at      DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  resolved_at     DATETIME NULL,
  resolved_by     INT UNSIGNED NULL,
  UNIQUE KEY uk_payment_events_notice (notice_id, kind),
  KEY ix_payment_events_alert (alert, resolved_at, id),
  KEY ix_payment_events_payment (payment_id)
) ENGINE=InnoDB;

-- A payment's receipts (one per resource), read with the payment.
ALTER TABLE receipts ADD KEY ix_receipts_payment (payment_id);

-- Pending payments past expires_at: asked at WeChat Pay, then applied
-- (paid after all) or closed there and here (fcgi/jobs_payments.c).
INSERT INTO job_schedule (name, every_s) VALUES ('payments_expire', 60);
