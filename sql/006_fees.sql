-- 006_fees.sql — fee items and their rate plans (FEE-1, FEE-2; lib/fees.h).
--
-- A fee item (收费项目) says what is charged and how: its cycle, its method,
-- the rounding of every amount computed for it (docs/money.md) and, as an
-- optional rule, its late fee (FEE-7). The prices themselves are rows of
-- fee_rates, so that a price can change on a date and differ by building,
-- resource kind or customer group without touching the item or the bills
-- already made from it.

CREATE TABLE fee_items (
  id                  INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  project_id          INT UNSIGNED NOT NULL,
  -- The office's short name for the item (WYF for 物业费): what a sheet or
  -- a bill line refers to, so one per project.
  code                VARCHAR(32)  NOT NULL,
  name                VARCHAR(64)  NOT NULL,
  -- 'once' is the one-off item (a deposit, a temporary charge).
  cycle               ENUM('monthly','quarterly','yearly','once') NOT NULL,
  -- What the rate is multiplied by. Fixed once the item exists: it gives
  -- the rates their scale (below), so changing it would reprice them.
  method              ENUM('building_area','inner_area','usage','per_head','fixed') NOT NULL,
  -- The names of enum money_round (money_round_from_name); half-up unless
  -- the item says otherwise.
  rounding            ENUM('half_up','half_even','down','up') NOT NULL DEFAULT 'half_up',
  -- The day of the cycle's first month a bill of the cycle is due. At most
  -- 28, so that every month has that day.
  due_day_of_cycle    TINYINT UNSIGNED NOT NULL DEFAULT 1,
  -- For method 'usage': how many of the meter's smallest units make one
  -- billing unit (1 for whole kWh, 100 for readings in 0.01 m³), the
  -- usage_per_unit of money_by_usage(). 1 for the other methods.
  usage_per_unit      INT UNSIGNED NOT NULL DEFAULT 1,
  -- Late fee (违约金, FEE-7): NULL = the item has none. Otherwise 万分之N
  -- of the open principal a day after grace_days free days
  -- (money_late_fee()).
  late_fee_daily_bp   SMALLINT UNSIGNED NULL,
  late_fee_grace_days SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  -- The cap of the late fee: at the principal (the usual rule, and the
  -- default: a late fee never exceeds what is owed), none, or a fixed
  -- amount in late_fee_cap_fen. An enum and an amount rather than one
  -- nullable amount, so that "no cap" and "capped at the principal" are
  -- both said, not guessed from NULL.
  late_fee_cap        ENUM('principal','none','fixed') NOT NULL DEFAULT 'principal',
  late_fee_cap_fen    BIGINT UNSIGNED NULL,
  -- An inactive item is kept (its bills refer to it) but no longer billed.
  active              TINYINT(1)   NOT NULL DEFAULT 1,
  created_at          DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at          DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  UNIQUE KEY uk_fee_items_code (project_id, code),
  CONSTRAINT fk_fee_items_project FOREIGN KEY (project_id) REFERENCES projects (id),
  CONSTRAINT ck_fee_items_due_day CHECK (due_day_of_cycle BETWEEN 1 AND 28),
  CONSTRAINT ck_fee_items_usage_per_unit CHECK (usage_per_unit BETWEEN 1 AND 1000000),
  CONSTRAINT ck_fee_items_late_bp CHECK (late_fee_daily_bp IS NULL OR late_fee_daily_bp <= 10000),
  -- an amount exactly when the cap is a fixed one
  CONSTRAINT ck_fee_items_cap CHECK ((late_fee_cap = 'fixed') = (late_fee_cap_fen IS NOT NULL))
) ENGINE=InnoDB;

-- One price of an item, valid from valid_from to valid_to (both days
-- included, China calendar days; valid_to NULL = until further notice).
--
-- rate is one column whose scale the item's method gives (docs/money.md):
--   building_area, inner_area  fen per m² × 10⁴ (rate_fen_per_m2x10000):
--                              2,350,000 = 2.35 yuan/m²
--   usage                      fen per billing unit × 10⁴
--                              (rate_fen_per_unitx10000): 548,300 = 0.5483 yuan/kWh
--   per_head                   fen a head (rate_fen_per_head): 1,500 = 15 yuan
--   fixed                      fen: 5,000 = 50 yuan
-- One column rather than one per scale: a rate has exactly one meaning,
-- and three nullable columns would need a cross-table rule to say which
-- one is set. The API names the scale beside the value ("rate_scale").
-- It is the price of one period of the item's cycle (a quarterly item's
-- rate is per quarter), so a period's amount is rounded once.
--
-- The selectors say to whom the rate applies; NULL = anyone. A resource
-- takes the most specific rate valid that day (building > kind > group:
-- fee_rate_pick() in lib/fees.c). Two rates of one item with the same
-- selectors never overlap in validity — a rule across rows that a CHECK
-- cannot state: fee_rate_add() and fee_rate_end() enforce it with the
-- item's row locked, so that two of them cannot pass it at once.
CREATE TABLE fee_rates (
  id              INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  fee_item_id     INT UNSIGNED NOT NULL,
  rate            BIGINT UNSIGNED NOT NULL,
  building_id     INT UNSIGNED NULL,
  resource_kind   ENUM('home','shop','office','parking','other') NULL,
  -- a customer group the office names ('elderly', 'low_income', …)
  customer_group  VARCHAR(32)  NULL,
  valid_from      DATE         NOT NULL,
  valid_to        DATE         NULL,
  created_at      DATETIME     NOT NULL DEFAULT CURRENT_TIMESTAMP,
  KEY ix_fee_rates_item (fee_item_id, valid_from),
  CONSTRAINT fk_fee_rates_item FOREIGN KEY (fee_item_id) REFERENCES fee_items (id),
  CONSTRAINT fk_fee_rates_building FOREIGN KEY (building_id) REFERENCES buildings (id),
  CONSTRAINT ck_fee_rates_validity CHECK (valid_to IS NULL OR valid_to >= valid_from),
  CONSTRAINT ck_fee_rates_rate CHECK (rate <= 999999999999999)
) ENGINE=InnoDB;
