-- demo.sql — the demo company of API.md, loaded by `wuye demo-load` on an
-- empty database (make run). Staff passwords are set by the tool
-- (argon2id of "demo1234"), never stored here.

INSERT INTO projects (id, code, name, address) VALUES
  (1, 'SFXQ', '示范小区', '示范市示范路 1 号'),
  (2, 'CHHY', '翠湖花园', '示范市翠湖路 88 号');
INSERT INTO project_business_types (project_id, business_type_id)
  SELECT 1, id FROM business_types WHERE code IN ('residential', 'shop');
INSERT INTO project_business_types (project_id, business_type_id)
  SELECT 2, id FROM business_types WHERE code = 'residential';

INSERT INTO buildings (id, project_id, name, floors, business_type_id) VALUES
  (1, 1, '1栋', 18, 1), (2, 1, '2栋', 18, 1), (3, 1, '3栋', 11, 1), (4, 1, '商业街', 2, 2),
  (5, 2, 'A座', 26, 1);
INSERT INTO units (id, building_id, name) VALUES
  (1, 1, '1单元'), (2, 1, '2单元'), (3, 2, '1单元'), (4, 3, '1单元'), (5, 5, '1单元');

INSERT INTO resources (id, project_id, building_id, unit_id, code, number, kind, floor,
                       area_m2x100, inner_area_m2x100, layout, decoration) VALUES
  (1, 1, 1, 1, '1-1-101', '101', 'home', 1, 8950, 7230, '两室一厅', '精装'),
  (2, 1, 1, 1, '1-1-102', '102', 'home', 1, 12060, 9800, '三室两厅', '精装'),
  (3, 1, 1, 1, '1-1-201', '201', 'home', 2, 8950, 7230, '两室一厅', '毛坯'),
  (4, 1, 1, 2, '1-2-101', '101', 'home', 1, 14320, 11800, '四室两厅', '精装'),
  (5, 1, 2, 3, '2-1-201', '201', 'home', 2, 9875, 8010, '三室一厅', '简装'),
  (6, 1, 2, 3, '2-1-202', '202', 'home', 2, 9875, 8010, '三室一厅', '简装'),
  (7, 1, 3, 4, '3-1-301', '301', 'home', 3, 7600, 6120, '两室一厅', '精装'),
  (8, 2, 5, 5, 'A-1-1201', '1201', 'home', 12, 11000, 9050, '三室两厅', '精装'),
  (9, 2, 5, 5, 'A-1-1202', '1202', 'home', 12, 11000, 9050, '三室两厅', '精装');
INSERT INTO resources (id, project_id, building_id, unit_id, code, number, kind, floor,
                       area_m2x100, inner_area_m2x100, lease_status, business_scope,
                       tenant_company) VALUES
  (10, 1, 4, NULL, 'S-01', 'S01', 'shop', 1, 6500, 6000, 'leased', '便利店', '示范便利店有限公司');
INSERT INTO resources (id, project_id, building_id, unit_id, code, number, kind, area_m2x100)
  VALUES (11, 1, NULL, NULL, 'P-B1-001', 'B1-001', 'parking', 1250);

INSERT INTO persons (id, name, phone, id_number_masked, occupation) VALUES
  (1, '张伟', '13800000001', '3301**********1234', '工程师'),
  (2, '李娜', '13800000002', '3301**********5678', '教师'),
  (3, '张小明', '13800000003', '', '学生'),
  (4, '王芳', '13800000004', '3302**********2222', '医生'),
  (5, '赵磊', '13800000005', '3303**********3333', '个体经营');
INSERT INTO person_resources (person_id, resource_id, relation, moved_in_on, moved_out_on) VALUES
  (1, 1, 'owner', '2019-05-01', NULL),
  (1, 2, 'owner', '2021-10-01', NULL),
  (3, 1, 'family', '2019-05-01', NULL),
  (2, 5, 'owner', '2020-03-15', NULL),
  (4, 8, 'owner', '2022-01-10', NULL),
  (5, 10, 'tenant', '2023-06-01', NULL),
  (4, 6, 'tenant', '2020-01-01', '2021-12-31');

INSERT INTO custom_fields (project_id, target, field_key, label, type, choices, sort) VALUES
  (1, 'resource', 'pets', '饲养宠物', 'choice', '无,猫,狗,其他', 1),
  (1, 'resource', 'handover_date', '交房日期', 'date', '', 2),
  (1, 'person', 'car_plate', '车牌号', 'text', '', 1);
INSERT INTO custom_values (field_id, target_id, value) VALUES (1, 1, '猫'), (2, 1, '2019-04-20');

-- Service tickets of 示范小区 (TKT-1..3, TKT-5, TKT-7): the technician 王师傅
-- (plumbing) and a second supervisor, what each type of ticket needs, and
-- tickets in several states with their history. The open ones are due
-- long after the demo is loaded (nothing turns overdue by itself while
-- someone tries the demo or the tests run); the closed one is in the
-- knowledge base (`wuye demo-load` indexes it: lib/demo.c).
INSERT INTO staff (id, name, phone, roles) VALUES
  (4, '王师傅', '13900000004', 'technician'),
  (5, '吴主管', '13900000005', 'supervisor');
INSERT INTO staff_projects (staff_id, project_id) VALUES (4, 1), (5, 1);
INSERT INTO staff_skills (staff_id, skill) VALUES (4, 'plumbing');
INSERT INTO ticket_type_skills (project_id, type, skill) VALUES
  (1, 'repair', 'plumbing'), (1, 'repair', 'electrical'), (1, 'cleaning', 'cleaning'),
  (1, 'security', 'security');
INSERT INTO tickets (id, project_id, resource_id, building_id, type, severity, area, description,
                     status, assignee_id, reporter_kind, reporter_id, result, rating_score,
                     rating_comment, response_due_at, complete_due_at, created_at, accepted_at,
                     completed_at, closed_at) VALUES
  (1, 1, 1, 1, 'repair', NULL, 'private', '厨房水管漏水，地面有积水', 'closed', 4, 'owner', 1,
   '水槽下进水软管老化开裂，已更换软管并试水，无渗漏', 5, '师傅很快就修好了',
   UTC_TIMESTAMP() - INTERVAL 7 DAY + INTERVAL 30 MINUTE,
   UTC_TIMESTAMP() - INTERVAL 5 DAY, UTC_TIMESTAMP() - INTERVAL 7 DAY,
   UTC_TIMESTAMP() - INTERVAL 7 DAY + INTERVAL 10 MINUTE,
   UTC_TIMESTAMP() - INTERVAL 6 DAY, UTC_TIMESTAMP() - INTERVAL 6 DAY + INTERVAL 2 HOUR),
  (2, 1, 2, 1, 'repair', NULL, 'private', '卫生间顶灯不亮，换了灯泡也不行', 'dispatched', 4,
   'owner', 1, '', NULL, NULL, UTC_TIMESTAMP() + INTERVAL 30 DAY,
   UTC_TIMESTAMP() + INTERVAL 32 DAY, UTC_TIMESTAMP() - INTERVAL 3 HOUR,
   UTC_TIMESTAMP() - INTERVAL 2 HOUR, NULL, NULL),
  (3, 1, 5, 2, 'cleaning', NULL, 'public', '2栋电梯厅地面有垃圾，已经两天没人打扫', 'submitted',
   NULL, 'owner', 2, '', NULL, NULL, UTC_TIMESTAMP() + INTERVAL 30 DAY,
   UTC_TIMESTAMP() + INTERVAL 31 DAY, UTC_TIMESTAMP() - INTERVAL 20 MINUTE, NULL, NULL, NULL),
  (4, 1, 5, 2, 'complaint', 'normal', 'public', '晚上九点以后广场舞音乐声音太大，影响休息',
   'accepted', NULL, 'owner', 2, '', NULL, NULL, UTC_TIMESTAMP() + INTERVAL 30 DAY,
   UTC_TIMESTAMP() + INTERVAL 33 DAY, UTC_TIMESTAMP() - INTERVAL 1 DAY,
   UTC_TIMESTAMP() - INTERVAL 23 HOUR, NULL, NULL),
  (5, 1, NULL, 1, 'repair', NULL, 'public', '1栋1单元门禁读卡器损坏，刷卡没有反应',
   'in_progress', 4, 'staff', 1, '', NULL, NULL, UTC_TIMESTAMP() + INTERVAL 30 DAY,
   UTC_TIMESTAMP() + INTERVAL 32 DAY, UTC_TIMESTAMP() - INTERVAL 5 HOUR,
   UTC_TIMESTAMP() - INTERVAL 5 HOUR, NULL, NULL);
INSERT INTO ticket_materials (ticket_id, name, quantity, unit) VALUES (1, '进水软管', 1, '根');
INSERT INTO ticket_events (ticket_id, action, from_status, to_status, by_kind, by_id,
                           assignee_id, note, at) VALUES
  (1, 'accept', 'submitted', 'accepted', 'staff', 1, NULL, '',
   UTC_TIMESTAMP() - INTERVAL 7 DAY + INTERVAL 10 MINUTE),
  (1, 'dispatch', 'accepted', 'dispatched', 'staff', 1, 4, '',
   UTC_TIMESTAMP() - INTERVAL 7 DAY + INTERVAL 12 MINUTE),
  (1, 'take', 'dispatched', 'taken', 'staff', 4, 4, '',
   UTC_TIMESTAMP() - INTERVAL 7 DAY + INTERVAL 20 MINUTE),
  (1, 'start', 'taken', 'in_progress', 'staff', 4, NULL, '', UTC_TIMESTAMP() - INTERVAL 6 DAY
   - INTERVAL 2 HOUR),
  (1, 'complete', 'in_progress', 'completed', 'staff', 4, NULL, '', UTC_TIMESTAMP()
   - INTERVAL 6 DAY),
  (1, 'close', 'completed', 'closed', 'staff', 1, NULL, '',
   UTC_TIMESTAMP() - INTERVAL 6 DAY + INTERVAL 2 HOUR),
  (1, 'rate', 'closed', 'closed', 'owner', 1, NULL, '',
   UTC_TIMESTAMP() - INTERVAL 6 DAY + INTERVAL 3 HOUR),
  (2, 'accept', 'submitted', 'accepted', 'staff', 1, NULL, '', UTC_TIMESTAMP() - INTERVAL 2 HOUR),
  (2, 'dispatch', 'accepted', 'dispatched', 'staff', 1, 4, '',
   UTC_TIMESTAMP() - INTERVAL 2 HOUR),
  (4, 'accept', 'submitted', 'accepted', 'staff', 1, NULL, '已转交秩序维护部核实',
   UTC_TIMESTAMP() - INTERVAL 23 HOUR),
  (5, 'accept', 'submitted', 'accepted', 'staff', 1, NULL, '', UTC_TIMESTAMP() - INTERVAL 5 HOUR),
  (5, 'take', 'accepted', 'taken', 'staff', 4, 4, '', UTC_TIMESTAMP() - INTERVAL 4 HOUR),
  (5, 'start', 'taken', 'in_progress', 'staff', 4, NULL, '', UTC_TIMESTAMP() - INTERVAL 3 HOUR);

INSERT INTO staff (id, name, phone, roles) VALUES
  (1, '陈管家', '13900000001', 'butler'),
  (2, '刘管家', '13900000002', 'butler'),
  (3, '周主管', '13900000003', 'supervisor'),
  (9, '物业办公室', '13900000009', 'admin,manager');
INSERT INTO staff_projects (staff_id, project_id) VALUES (1, 1), (2, 2), (3, 1), (9, 1), (9, 2);

-- Fees of 示范小区 (FEE-1, FEE-2, FEE-7): the property fee by building area
-- (2.35 元/m² a month for homes, 4.50 for shops; 5‱ a day late fee after 30
-- days' grace, at most the principal), parking by the space (300 元 a
-- month), water by usage (4.80 元/m³, readings in 0.01 m³: its bills come
-- from the meters). The bills themselves are made by `wuye demo-load`
-- through a bill run (lib/demo.c), dated from the day the demo is loaded.
INSERT INTO fee_items (id, project_id, code, name, cycle, method, due_day_of_cycle,
                       usage_per_unit, late_fee_daily_bp, late_fee_grace_days) VALUES
  (1, 1, 'WYF', '物业费', 'monthly', 'building_area', 1, 1, 5, 30),
  (2, 1, 'TCF', '车位费', 'monthly', 'fixed', 1, 1, NULL, 0),
  (3, 1, 'SF', '水费', 'monthly', 'usage', 1, 100, NULL, 0),
  -- the repair fee (TKT-4): a completed repair's charge is a bill of this
  -- item (lib/fees.h fee_item_repair_tx(), which makes it where missing)
  (4, 1, 'WXF', '维修费', 'once', 'fixed', 1, 1, NULL, 0);
INSERT INTO fee_rates (fee_item_id, rate, resource_kind, valid_from) VALUES
  (1, 2350000, 'home', '2020-01-01'),
  (1, 4500000, 'shop', '2020-01-01'),
  (2, 30000, 'parking', '2020-01-01'),
  (3, 4800000, NULL, '2020-01-01');
-- Prepaying a year of the property fee at the desk takes 8.33 % off each
-- month (about one month in twelve: FEE-4, docs/billing.md "Prepaying at
-- the desk"); bill runs never apply it (min_months).
INSERT INTO discount_schemes (project_id, name, fee_item_id, min_months, off_bp, valid_from) VALUES
  (1, '物业费预缴一年优惠一个月', 1, 12, 833, '2020-01-01');

-- Announcements and surveys of 示范小区 (NTC-1, NTC-4): a published water
-- cut notice for 1栋 (张伟 13800000001 sees it, 李娜 of 2栋 does not), a
-- pinned notice for the whole project, and a satisfaction survey open for
-- a month from the load. created_by 9: the office.
INSERT INTO notices (id, project_id, building_ids, title, body, category, pinned, status,
                     list_seq, created_by, created_at, published_at, expires_at) VALUES
  (1, 1, '1', '停水通知', '因二次供水设备检修，1栋将于本周六 9:00—15:00 停水，请提前储水。',
   'outage', 0, 'published', 1, 9, UTC_TIMESTAMP() - INTERVAL 2 HOUR,
   UTC_TIMESTAMP() - INTERVAL 1 HOUR, UTC_TIMESTAMP() + INTERVAL 30 DAY),
  (2, 1, '', '物业服务中心办公时间', '物业服务中心每天 8:30—18:00 办公，24 小时报修电话见门岗。',
   'notice', 1, 'published', 2, 9, UTC_TIMESTAMP() - INTERVAL 1 DAY,
   UTC_TIMESTAMP() - INTERVAL 1 DAY, NULL);
INSERT INTO surveys (id, project_id, building_ids, title, description, opens_at, closes_at,
                     status, created_by, published_at) VALUES
  (1, 1, '', '2026 年度物业服务满意度调查', '请花一分钟告诉我们您的感受。',
   UTC_TIMESTAMP() - INTERVAL 1 DAY, UTC_TIMESTAMP() + INTERVAL 30 DAY, 'published', 9,
   UTC_TIMESTAMP() - INTERVAL 1 DAY);
INSERT INTO survey_questions (survey_id, no, kind, title, required, options) VALUES
  (1, 1, 'single', '您对物业服务总体满意吗', 1, '["满意", "一般", "不满意"]'),
  (1, 2, 'multiple', '您希望我们改进哪些方面', 0, '["保洁", "绿化", "安保", "维修"]'),
  (1, 3, 'score', '请为保洁服务打分', 1, '[]'),
  (1, 4, 'text', '其他意见和建议', 0, '[]');
