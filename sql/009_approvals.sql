-- 009_approvals.sql — what approvals (FEE-5), receipt voids, refunds and
-- the desk's deposits (PAY-3, PAY-4) need beyond sql/007 (lib/approvals.h,
-- docs/books.md "Approvals and reversals").

-- One pending request per (kind, target): a second waiver of a bill, a
-- second void of a receipt or refund of an account while one waits is 409
-- APPROVAL_PENDING. The unique key does it without a read that two
-- requests could both pass; decided requests (NULL here) never collide.
-- method: how a refund is paid out (the desk's methods), NULL otherwise.
ALTER TABLE approvals
  ADD COLUMN method ENUM('cash','card','wechat','alipay','transfer') NULL AFTER amount_fen,
  ADD COLUMN pending_target BIGINT UNSIGNED AS (IF(status = 'pending', target_id, NULL)) PERSISTENT,
  ADD UNIQUE KEY uk_approvals_pending (kind, pending_target);

-- A deposit used on bills has a receipt like a prepayment offset; its
-- method says which account paid.
ALTER TABLE receipts
  MODIFY method ENUM('cash','card','wechat','alipay','transfer','wechat_pay','prepay','deposit')
    NOT NULL;

-- What a deposit was taken for (装修押金, 钥匙押金 …), on its collect entry.
ALTER TABLE account_entries ADD COLUMN purpose VARCHAR(32) NULL AFTER reason;
