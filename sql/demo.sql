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
  (3, 1, 'SF', '水费', 'monthly', 'usage', 1, 100, NULL, 0);
INSERT INTO fee_rates (fee_item_id, rate, resource_kind, valid_from) VALUES
  (1, 2350000, 'home', '2020-01-01'),
  (1, 4500000, 'shop', '2020-01-01'),
  (2, 30000, 'parking', '2020-01-01'),
  (3, 4800000, NULL, '2020-01-01');
