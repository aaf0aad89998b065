-- 007_bills.sql — the books: bills, what paid them, receipts, prepayment
-- and deposit accounts, discounts and waivers, and the approvals that
-- stand before any change a single person must not make alone (FEE-3..7,
-- PAY-2..4, PAY-6; lib/bills.h, docs/books.md).
--
-- The invariants `wuye check-books` verifies (docs/books.md):
--   bills.discount_fen = Σ bill_discounts.amount_fen of the bill
--   bills.paid_fen     = Σ bill_applications.amount_fen of the bill
--   due = amount + late fee − discount − paid ≥ 0; a paid bill's due is 0
--   receipts.amount_fen = Σ its applications + its to_prepay_fen
--   accounts.balance_fen = Σ account_entries.delta_fen of the account ≥ 0
-- History is append-only: a void or a refund adds rows that undo, it never
-- deletes or edits the rows it undoes.

-- Which customer group a resource is in (elderly, disabled, low_income …):
-- what rate plans (fee_rates.customer_group) and discount schemes select.
ALTER TABLE resources ADD COLUMN customer_group VARCHAR(32) NULL AFTER tenant_company;

-- One bill: what one resource owes for one fee item and one period.
--
-- The clustered key is (resource_id, id): every bill of a resource sits
-- in the same few pages, so an owner's list reads one or two pages rather
-- than one per bill (a bill run adds a month for every resource at once,
-- so by id alone a home's 36 bills would lie in 36 pages). id stays
-- unique and is what everything else refers to.
--
-- cycle_key is 1 for a bill of the item's cycle (a bill run's, or one
-- imported for a period) and NULL for a temporary bill: the unique key
-- makes (resource, item, period) one bill whatever reruns or imports do,
-- while temporary bills (NULLs never collide) may repeat.
--
-- discount_fen and paid_fen are the sums of their history tables, kept
-- here so that a list needs no aggregate; late_fee_fen is the late fee
-- frozen so far (at each payment, and whole once paid), late_from the day
-- the late fee accrues from again after a payment froze it (NULL: from the
-- due date, after the grace days). fees.h, fee_bill_due(), is the one
-- function that turns these into late_fee_fen and due_fen for a day.
CREATE TABLE bills (
  id             BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  project_id     INT UNSIGNED NOT NULL,
  resource_id    INT UNSIGNED NOT NULL,
  fee_item_id    INT UNSIGNED NOT NULL,
  period         CHAR(7) CHARACTER SET ascii NOT NULL, -- 'YYYY-MM', a cycle's first month
  cycle_key      TINYINT UNSIGNED NULL,
  source         ENUM('run','temporary','import','repair') NOT NULL,
  status         ENUM('unpaid','partial','paid','void') NOT NULL DEFAULT 'unpaid',
  amount_fen     BIGINT NOT NULL,
  discount_fen   BIGINT NOT NULL DEFAULT 0,
  paid_fen       BIGINT NOT NULL DEFAULT 0,
  late_fee_fen   BIGINT NOT NULL DEFAULT 0,
  late_from      DATE   NULL,
  due_date       DATE   NOT NULL,
  -- what it was computed from, for the owner's questions and the audit:
  -- the rate (its scale is the item's) and the quantity (area, usage, heads)
  rate           BIGINT NULL,
  quantity       BIGINT NULL,
  note           VARCHAR(200) NOT NULL DEFAULT '',
  run_id         BIGINT UNSIGNED NULL,
  -- the online payment (WeChat Pay) that holds the bill while it is open:
  -- such a bill is not payable elsewhere until that payment closes
  open_payment_id BIGINT UNSIGNED NULL,
  created_by     INT UNSIGNED NULL,
  created_at     DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  paid_at        DATETIME NULL,
  updated_at     DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (resource_id, id),
  UNIQUE KEY uk_bills_id (id),
  UNIQUE KEY uk_bills_cycle (resource_id, fee_item_id, period, cycle_key),
  -- receivables and reports by project and period
  KEY ix_bills_project (project_id, period, status),
  KEY ix_bills_run (run_id),
  CONSTRAINT fk_bills_resource FOREIGN KEY (resource_id) REFERENCES resources (id),
  CONSTRAINT fk_bills_item FOREIGN KEY (fee_item_id) REFERENCES fee_items (id),
  CONSTRAINT ck_bills_amount CHECK (amount_fen >= 0 AND amount_fen <= 999999999999999),
  CONSTRAINT ck_bills_parts CHECK (discount_fen >= 0 AND discount_fen <= amount_fen
                                   AND paid_fen >= 0 AND late_fee_fen >= 0),
  CONSTRAINT ck_bills_cycle CHECK (cycle_key IS NULL OR cycle_key = 1)
) ENGINE=InnoDB;

-- Receipt numbers: one counter per project and year, taken FOR UPDATE in
-- the collection's transaction. The number is used only if that
-- transaction commits, so numbers have no gap and no duplicate however
-- many cashiers collect at once (a rollback gives its number back).
CREATE TABLE receipt_counters (
  project_id  INT UNSIGNED NOT NULL,
  year        SMALLINT UNSIGNED NOT NULL,
  last_seq    INT UNSIGNED NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, year)
) ENGINE=InnoDB;

-- Money taken in: at the desk (cash, card, wechat/alipay taken outside
-- the system, transfer), online (wechat_pay, the payments issue), or a
-- prepayment used up (prepay: an offset has a receipt too, so that every
-- application has one). amount_fen = its applications + to_prepay_fen.
CREATE TABLE receipts (
  id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id      INT UNSIGNED NOT NULL,
  resource_id     INT UNSIGNED NOT NULL,
  receipt_no      VARCHAR(48) CHARACTER SET ascii NOT NULL,
  year            SMALLINT UNSIGNED NOT NULL,
  seq             INT UNSIGNED NOT NULL,
  method          ENUM('cash','card','wechat','alipay','transfer','wechat_pay','prepay') NOT NULL,
  -- what the receipt is for: bills (and any rest to prepayment), a top-up
  -- of the prepayment account, a deposit taken
  purpose         ENUM('bills','prepay','deposit') NOT NULL DEFAULT 'bills',
  amount_fen      BIGINT NOT NULL,
  to_prepay_fen   BIGINT NOT NULL DEFAULT 0,
  payer_name      VARCHAR(64) NOT NULL DEFAULT '',
  note            VARCHAR(200) NOT NULL DEFAULT '',
  status          ENUM('valid','voided') NOT NULL DEFAULT 'valid',
  cashier_id      INT UNSIGNED NULL,
  payment_id      BIGINT UNSIGNED NULL,
  created_at      DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  voided_at       DATETIME NULL,
  void_approval_id BIGINT UNSIGNED NULL,
  printed_count   INT UNSIGNED NOT NULL DEFAULT 0,
  UNIQUE KEY uk_receipts_no (receipt_no),
  UNIQUE KEY uk_receipts_seq (project_id, year, seq),
  KEY ix_receipts_resource (resource_id, id),
  KEY ix_receipts_day (project_id, created_at),
  CONSTRAINT fk_receipts_resource FOREIGN KEY (resource_id) REFERENCES resources (id),
  CONSTRAINT ck_receipts_amount CHECK (amount_fen > 0 AND to_prepay_fen >= 0
                                       AND to_prepay_fen <= amount_fen)
) ENGINE=InnoDB;

-- What paid a bill: part of a receipt. A receipt's void adds the negative
-- of each of its applications (reverses_id names the row undone), so that
-- Σ amount_fen stays the bill's paid_fen at every moment in history.
-- late_fen is the part of amount_fen that paid the late fee.
CREATE TABLE bill_applications (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  bill_id      BIGINT UNSIGNED NOT NULL,
  receipt_id   BIGINT UNSIGNED NOT NULL,
  amount_fen   BIGINT NOT NULL,
  late_fen     BIGINT NOT NULL DEFAULT 0,
  reverses_id  BIGINT UNSIGNED NULL,
  created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  KEY ix_bill_applications_bill (bill_id),
  KEY ix_bill_applications_receipt (receipt_id),
  UNIQUE KEY uk_bill_applications_reverses (reverses_id),
  CONSTRAINT fk_bill_applications_bill FOREIGN KEY (bill_id) REFERENCES bills (id),
  CONSTRAINT fk_bill_applications_receipt FOREIGN KEY (receipt_id) REFERENCES receipts (id)
) ENGINE=InnoDB;

-- A resource's prepayment (预存) and deposit (押金) accounts; the balance is
-- the sum of the entries, never negative.
CREATE TABLE accounts (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id   INT UNSIGNED NOT NULL,
  resource_id  INT UNSIGNED NOT NULL,
  kind         ENUM('prepay','deposit') NOT NULL,
  balance_fen  BIGINT NOT NULL DEFAULT 0,
  updated_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  UNIQUE KEY uk_accounts (resource_id, kind),
  CONSTRAINT fk_accounts_resource FOREIGN KEY (resource_id) REFERENCES resources (id),
  CONSTRAINT ck_accounts_balance CHECK (balance_fen >= 0)
) ENGINE=InnoDB;

CREATE TABLE account_entries (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  account_id   BIGINT UNSIGNED NOT NULL,
  delta_fen    BIGINT NOT NULL,
  -- collect: money in; overpay: the rest of a collection; offset: used on
  -- a bill (its receipt says which); refund: paid back at the desk; void:
  -- a voided receipt's entry undone
  reason       ENUM('collect','overpay','offset','refund','void') NOT NULL,
  receipt_id   BIGINT UNSIGNED NULL,
  bill_id      BIGINT UNSIGNED NULL,
  approval_id  BIGINT UNSIGNED NULL,
  note         VARCHAR(200) NOT NULL DEFAULT '',
  staff_id     INT UNSIGNED NULL,
  created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  KEY ix_account_entries (account_id, id),
  CONSTRAINT fk_account_entries_account FOREIGN KEY (account_id) REFERENCES accounts (id)
) ENGINE=InnoDB;

-- Discount schemes (FEE-4): by percentage (off_bp, the reduction in basis
-- points) or a fixed amount (off_fen) a bill, for a customer group or for
-- everyone, optionally for one fee item, or for prepaying (min_months: a
-- collection that pays at least that many months of an item ahead).
CREATE TABLE discount_schemes (
  id              INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id      INT UNSIGNED NOT NULL,
  name            VARCHAR(64) NOT NULL,
  fee_item_id     INT UNSIGNED NULL,
  customer_group  VARCHAR(32) NULL,
  min_months      SMALLINT UNSIGNED NULL,
  off_bp          SMALLINT UNSIGNED NULL,
  off_fen         BIGINT NULL,
  valid_from      DATE NOT NULL,
  valid_to        DATE NULL,
  active          TINYINT(1) NOT NULL DEFAULT 1,
  created_at      DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  KEY ix_discount_schemes (project_id, active),
  CONSTRAINT fk_discount_schemes_project FOREIGN KEY (project_id) REFERENCES projects (id),
  CONSTRAINT fk_discount_schemes_item FOREIGN KEY (fee_item_id) REFERENCES fee_items (id),
  CONSTRAINT ck_discount_schemes_off CHECK ((off_bp IS NULL) <> (off_fen IS NULL)
                                            AND (off_bp IS NULL OR off_bp BETWEEN 1 AND 10000)
                                            AND (off_fen IS NULL OR off_fen > 0))
) ENGINE=InnoDB;

-- Approvals (FEE-5, PAY-2): what one person may not do alone — waive part
-- of a bill, void a bill, void a receipt, refund money. The request is a
-- row here; the steps it needs come from approval_policies at the time of
-- the request (a step applies when the amount is at least its threshold);
-- each decision is a row of approval_steps and an audit row; the change
-- itself is made in the transaction of the last approval, and not before.
CREATE TABLE approval_policies (
  id              INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id      INT UNSIGNED NOT NULL,
  kind            ENUM('waiver','bill_void','receipt_void','refund') NOT NULL,
  step            TINYINT UNSIGNED NOT NULL,
  role            VARCHAR(16) NOT NULL,
  min_amount_fen  BIGINT NOT NULL DEFAULT 0,
  UNIQUE KEY uk_approval_policies (project_id, kind, step),
  CONSTRAINT fk_approval_policies_project FOREIGN KEY (project_id) REFERENCES projects (id)
) ENGINE=InnoDB;

CREATE TABLE approvals (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id    INT UNSIGNED NOT NULL,
  kind          ENUM('waiver','bill_void','receipt_void','refund') NOT NULL,
  -- the bill (waiver, bill_void), the receipt (receipt_void) or the
  -- account (refund) the request is about
  target_id     BIGINT UNSIGNED NOT NULL,
  resource_id   INT UNSIGNED NOT NULL,
  amount_fen    BIGINT NOT NULL DEFAULT 0,
  reason        VARCHAR(200) NOT NULL DEFAULT '',
  -- the roles of the steps, in order, fixed when requested (JSON array)
  steps         VARCHAR(400) NOT NULL,
  next_step     TINYINT UNSIGNED NOT NULL DEFAULT 0,
  status        ENUM('pending','approved','rejected','cancelled') NOT NULL DEFAULT 'pending',
  requested_by  INT UNSIGNED NOT NULL,
  created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  decided_at    DATETIME NULL,
  KEY ix_approvals_project (project_id, status, id),
  KEY ix_approvals_target (kind, target_id, status)
) ENGINE=InnoDB;

CREATE TABLE approval_steps (
  approval_id  BIGINT UNSIGNED NOT NULL,
  step         TINYINT UNSIGNED NOT NULL,
  role         VARCHAR(16) NOT NULL,
  decided_by   INT UNSIGNED NOT NULL,
  decision     ENUM('approve','reject') NOT NULL,
  note         VARCHAR(200) NOT NULL DEFAULT '',
  decided_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (approval_id, step),
  CONSTRAINT fk_approval_steps FOREIGN KEY (approval_id) REFERENCES approvals (id)
) ENGINE=InnoDB;

-- The reductions of a bill: a scheme's discount (applied when the bill is
-- made or collected) or an approved waiver. Σ amount_fen = discount_fen.
CREATE TABLE bill_discounts (
  id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  bill_id      BIGINT UNSIGNED NOT NULL,
  kind         ENUM('scheme','waiver') NOT NULL,
  scheme_id    INT UNSIGNED NULL,
  approval_id  BIGINT UNSIGNED NULL,
  amount_fen   BIGINT NOT NULL,
  created_at   DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  KEY ix_bill_discounts_bill (bill_id),
  CONSTRAINT fk_bill_discounts_bill FOREIGN KEY (bill_id) REFERENCES bills (id),
  CONSTRAINT ck_bill_discounts CHECK (amount_fen > 0
                                      AND (scheme_id IS NOT NULL) = (kind = 'scheme')
                                      AND (approval_id IS NOT NULL) = (kind = 'waiver'))
) ENGINE=InnoDB;

-- Bill runs (FEE-3): which items and periods, previewed then committed by
-- a job of the jobs table; scheduled ones wait for run_at.
CREATE TABLE bill_runs (
  id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id    INT UNSIGNED NOT NULL,
  -- JSON array of fee item ids
  fee_items     VARCHAR(2000) NOT NULL,
  period_from   CHAR(7) CHARACTER SET ascii NOT NULL,
  period_to     CHAR(7) CHARACTER SET ascii NOT NULL,
  building_id   INT UNSIGNED NULL,
  status        ENUM('scheduled','queued','running','done','failed','cancelled') NOT NULL,
  run_at        DATETIME NULL,
  job_id        BIGINT UNSIGNED NULL,
  created       INT UNSIGNED NOT NULL DEFAULT 0,
  existing      INT UNSIGNED NOT NULL DEFAULT 0,
  exceptions    INT UNSIGNED NOT NULL DEFAULT 0,
  total_fen     BIGINT NOT NULL DEFAULT 0,
  created_by    INT UNSIGNED NOT NULL,
  created_at    DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  finished_at   DATETIME NULL,
  KEY ix_bill_runs_project (project_id, id),
  KEY ix_bill_runs_due (status, run_at),
  CONSTRAINT fk_bill_runs_project FOREIGN KEY (project_id) REFERENCES projects (id)
) ENGINE=InnoDB;
