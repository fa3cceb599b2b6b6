-- A store database as procurement/store.py made it before Alembic (commit c29b328), dumped by sqlite3's iterdump:
-- tables, indexes and a few rows (two hospitals, three order lines, a payment, two accounts, a session).
BEGIN TRANSACTION;
CREATE TABLE account_events (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	actor VARCHAR(128) NOT NULL, 
	action VARCHAR(32) NOT NULL, 
	username VARCHAR(128) NOT NULL, 
	detail TEXT, 
	PRIMARY KEY (id)
);
INSERT INTO "account_events" VALUES(1,'2026-12-03 12:27:32.189803','test','create','boss','leadership');
INSERT INTO "account_events" VALUES(2,'2026-12-03 12:27:32.208816','test','create','h1','hospital H001');
CREATE TABLE agreements (
	hospital_id TEXT NOT NULL, 
	product_id TEXT NOT NULL, 
	agreed_volume DOUBLE, 
	agreement_year DOUBLE NOT NULL, 
	import_id INTEGER NOT NULL
);
CREATE TABLE app_secrets (
	name VARCHAR(64) NOT NULL, 
	value VARCHAR(128) NOT NULL, 
	PRIMARY KEY (name)
);
INSERT INTO "app_secrets" VALUES('session_key','587f1643dad8d8530b832d355753335860be4106c244ecdef915b857c8e40dee');
CREATE TABLE demand (
	hospital_id TEXT NOT NULL, 
	generic_name TEXT NOT NULL, 
	specification TEXT NOT NULL, 
	declared_volume DOUBLE, 
	current_supplier TEXT, 
	import_id INTEGER NOT NULL, 
	accepted_by TEXT, 
	accepted_at DATETIME
);
CREATE TABLE fund_transfers (
	transfer_id TEXT NOT NULL, 
	hospital_id TEXT NOT NULL, 
	batch TEXT, 
	kind TEXT, 
	amount DOUBLE, 
	date DATE, 
	supplier TEXT, 
	import_id INTEGER NOT NULL
);
CREATE TABLE history_agreements (
	hospital_id TEXT, 
	product_id TEXT, 
	agreed_volume DOUBLE, 
	agreement_year DOUBLE, 
	import_id INTEGER NOT NULL, 
	superseded_by INTEGER NOT NULL, 
	action TEXT NOT NULL
);
CREATE TABLE history_demand (
	hospital_id TEXT, 
	generic_name TEXT, 
	specification TEXT, 
	declared_volume DOUBLE, 
	current_supplier TEXT, 
	import_id INTEGER NOT NULL, 
	superseded_by INTEGER NOT NULL, 
	action TEXT NOT NULL
);
CREATE TABLE history_fund_transfers (
	transfer_id TEXT, 
	hospital_id TEXT, 
	batch TEXT, 
	kind TEXT, 
	amount DOUBLE, 
	date DATE, 
	supplier TEXT, 
	import_id INTEGER NOT NULL, 
	superseded_by INTEGER NOT NULL, 
	action TEXT NOT NULL
);
CREATE TABLE history_hospitals (
	hospital_id TEXT, 
	hospital_name TEXT, 
	region TEXT, 
	level TEXT, 
	other_ids TEXT, 
	import_id INTEGER NOT NULL, 
	superseded_by INTEGER NOT NULL, 
	action TEXT NOT NULL
);
CREATE TABLE history_offers (
	generic_name TEXT, 
	specification TEXT, 
	supplier TEXT, 
	unit_price DOUBLE, 
	capacity DOUBLE, 
	regions TEXT, 
	min_share DOUBLE, 
	agreed_ratio DOUBLE, 
	backup BOOLEAN, 
	import_id INTEGER NOT NULL, 
	superseded_by INTEGER NOT NULL, 
	action TEXT NOT NULL
);
CREATE TABLE history_payments (
	payment_id TEXT, 
	order_id TEXT, 
	hospital_id TEXT, 
	product_id TEXT, 
	supplier TEXT, 
	amount DOUBLE, 
	date DATE, 
	invoice_id TEXT, 
	distributor TEXT, 
	payer TEXT, 
	import_id INTEGER NOT NULL, 
	superseded_by INTEGER NOT NULL, 
	action TEXT NOT NULL
);
CREATE TABLE history_products (
	product_id TEXT, 
	batch TEXT, 
	generic_name TEXT, 
	dosage_form TEXT, 
	specification TEXT, 
	pack_size DOUBLE, 
	unit TEXT, 
	pack_unit TEXT, 
	supplier TEXT, 
	unit_price DOUBLE, 
	baseline_price DOUBLE, 
	agreement_start DATE, 
	agreement_end DATE, 
	other_codes TEXT, 
	import_id INTEGER NOT NULL, 
	superseded_by INTEGER NOT NULL, 
	action TEXT NOT NULL
);
CREATE TABLE history_purchases (
	order_id TEXT, 
	date DATE, 
	hospital_id TEXT, 
	product_id TEXT, 
	generic_name TEXT, 
	specification TEXT, 
	supplier TEXT, 
	quantity DOUBLE, 
	amount DOUBLE, 
	winning BOOLEAN, 
	ordered_quantity DOUBLE, 
	order_date DATE, 
	distributor TEXT, 
	invoice_id TEXT, 
	import_id INTEGER NOT NULL, 
	superseded_by INTEGER NOT NULL, 
	action TEXT NOT NULL
);
CREATE TABLE history_shortages (
	shortage_id TEXT, 
	hospital_id TEXT, 
	product_id TEXT, 
	generic_name TEXT, 
	specification TEXT, 
	supplier TEXT, 
	distributor TEXT, 
	start_date DATE, 
	end_date DATE, 
	orders DOUBLE, 
	quantity DOUBLE, 
	import_id INTEGER NOT NULL, 
	superseded_by INTEGER NOT NULL, 
	action TEXT NOT NULL
);
CREATE TABLE history_substitutes (
	generic_name TEXT, 
	specification TEXT, 
	substitute TEXT, 
	import_id INTEGER NOT NULL, 
	superseded_by INTEGER NOT NULL, 
	action TEXT NOT NULL
);
CREATE TABLE hospitals (
	hospital_id TEXT NOT NULL, 
	hospital_name TEXT, 
	region TEXT, 
	level TEXT, 
	other_ids TEXT, 
	import_id INTEGER NOT NULL
);
INSERT INTO "hospitals" VALUES('H001','甲医院','东区',NULL,NULL,1);
INSERT INTO "hospitals" VALUES('H002','乙医院','西区',NULL,NULL,1);
CREATE TABLE imports (
	id INTEGER NOT NULL, 
	user_name TEXT NOT NULL, 
	imported_at DATETIME NOT NULL, 
	source_name TEXT NOT NULL, 
	file_hash TEXT NOT NULL, 
	hospital_scope TEXT, 
	added TEXT NOT NULL, 
	replaced TEXT NOT NULL, 
	unchanged TEXT NOT NULL, 
	removed TEXT, 
	replace_period BOOLEAN, 
	PRIMARY KEY (id)
);
INSERT INTO "imports" VALUES(1,'cli','2026-12-03 12:27:31.784529','seed.xlsx','abc',NULL,'{"hospitals": 2, "products": 1, "purchases": 3, "payments": 1}','{"hospitals": 0, "products": 0, "purchases": 0, "payments": 0}','{"hospitals": 0, "products": 0, "purchases": 0, "payments": 0}','{}',0);
CREATE TABLE offers (
	generic_name TEXT NOT NULL, 
	specification TEXT NOT NULL, 
	supplier TEXT NOT NULL, 
	unit_price DOUBLE, 
	capacity DOUBLE, 
	regions TEXT, 
	min_share DOUBLE, 
	agreed_ratio DOUBLE, 
	backup BOOLEAN, 
	import_id INTEGER NOT NULL
);
CREATE TABLE payments (
	payment_id TEXT NOT NULL, 
	order_id TEXT, 
	hospital_id TEXT NOT NULL, 
	product_id TEXT, 
	supplier TEXT, 
	amount DOUBLE, 
	date DATE, 
	invoice_id TEXT, 
	distributor TEXT, 
	payer TEXT, 
	import_id INTEGER NOT NULL, 
	link_date DATE, 
	link_product_id TEXT, 
	link_supplier TEXT, 
	link_by TEXT
);
INSERT INTO "payments" VALUES('F1','D1','H001',NULL,NULL,5.0,'2026-02-01',NULL,NULL,NULL,1,'2026-01-05','P1','甲药业','order');
CREATE TABLE products (
	product_id TEXT NOT NULL, 
	batch TEXT, 
	generic_name TEXT, 
	dosage_form TEXT, 
	specification TEXT, 
	pack_size DOUBLE, 
	unit TEXT, 
	pack_unit TEXT, 
	supplier TEXT, 
	unit_price DOUBLE, 
	baseline_price DOUBLE, 
	agreement_start DATE, 
	agreement_end DATE, 
	other_codes TEXT, 
	import_id INTEGER NOT NULL
);
INSERT INTO "products" VALUES('P1','第一批','阿莫西林',NULL,'0.25g',NULL,NULL,NULL,'甲药业',0.5,NULL,'2026-01-01','2026-12-31',NULL,1);
CREATE TABLE purchase_series (
	hospital_id TEXT NOT NULL, 
	product_id TEXT NOT NULL, 
	generic_name TEXT NOT NULL, 
	specification TEXT NOT NULL, 
	supplier TEXT NOT NULL, 
	winning BOOLEAN NOT NULL, 
	days BLOB NOT NULL, 
	quantity BLOB NOT NULL, 
	amount BLOB NOT NULL, 
	PRIMARY KEY (hospital_id, product_id, generic_name, specification, supplier, winning)
);
INSERT INTO "purchase_series" VALUES('H001','P1','阿莫西林','0.25g','甲药业',1,X'EA4F0000EB4F0000',X'00000000000024400000000000003440',X'00000000000014400000000000002440');
INSERT INTO "purchase_series" VALUES('H002','P1','阿莫西林','0.25g','甲药业',1,X'EB4F0000',X'0000000000003E40',X'0000000000002E40');
CREATE TABLE purchases (
	order_id TEXT NOT NULL, 
	date DATE, 
	hospital_id TEXT NOT NULL, 
	product_id TEXT, 
	generic_name TEXT, 
	specification TEXT, 
	supplier TEXT, 
	quantity DOUBLE, 
	amount DOUBLE, 
	winning BOOLEAN, 
	ordered_quantity DOUBLE, 
	order_date DATE, 
	distributor TEXT, 
	invoice_id TEXT, 
	import_id INTEGER NOT NULL
);
INSERT INTO "purchases" VALUES('D1','2026-01-05','H001','P1','阿莫西林','0.25g','甲药业',10.0,5.0,1,NULL,NULL,NULL,NULL,1);
INSERT INTO "purchases" VALUES('D2','2026-01-06','H001','P1','阿莫西林','0.25g','甲药业',20.0,10.0,1,NULL,NULL,NULL,NULL,1);
INSERT INTO "purchases" VALUES('D3','2026-01-06','H002','P1','阿莫西林','0.25g','甲药业',30.0,15.0,1,NULL,NULL,NULL,NULL,1);
CREATE TABLE shortages (
	shortage_id TEXT NOT NULL, 
	hospital_id TEXT NOT NULL, 
	product_id TEXT, 
	generic_name TEXT, 
	specification TEXT, 
	supplier TEXT, 
	distributor TEXT, 
	start_date DATE, 
	end_date DATE, 
	orders DOUBLE, 
	quantity DOUBLE, 
	import_id INTEGER NOT NULL
);
CREATE TABLE signin_throttle (
	"key" VARCHAR(128) NOT NULL, 
	failures INTEGER NOT NULL, 
	last_failure DATETIME NOT NULL, 
	locked BOOLEAN NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE substitutes (
	generic_name TEXT NOT NULL, 
	specification TEXT NOT NULL, 
	substitute TEXT NOT NULL, 
	import_id INTEGER NOT NULL
);
CREATE TABLE user_sessions (
	id_hash VARCHAR(64) NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	fingerprint VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	last_seen DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	PRIMARY KEY (id_hash)
);
INSERT INTO "user_sessions" VALUES('befe86ca7977248f622d362297b38e9a23ee3f33e938a1fe325a70b805c88aa4','h1','043101116182964fdd177c63f27714d4d56ac28ec4c090773882f7a8b2882ed2','2026-12-03 12:27:32.277860','2026-12-03 12:27:32.277860','2026-12-04 00:27:32.277860');
CREATE TABLE users (
	username VARCHAR(64) NOT NULL, 
	password_hash VARCHAR(128) NOT NULL, 
	role VARCHAR(16) NOT NULL, 
	hospital_id VARCHAR(64), 
	created_at DATETIME NOT NULL, 
	region VARCHAR(64), 
	PRIMARY KEY (username)
);
INSERT INTO "users" VALUES('boss','$2b$04$mLo/CWgiMoxjCJw73Dho4OPR2gu6I8BVtfrlw5hkGolOh7GDJdwly','leadership',NULL,'2026-12-03 12:27:32.160224','东区');
INSERT INTO "users" VALUES('h1','$2b$04$v46SJSNnBBhsUKEh0UvcnuD/ntwDtZXf5xmZAK5nAuk7orSJLT8qi','hospital','H001','2026-12-03 12:27:32.208491',NULL);
CREATE INDEX ix_agreements_product_id ON agreements (product_id);
CREATE UNIQUE INDEX ux_agreements_natural_key ON agreements (hospital_id, product_id, agreement_year);
CREATE INDEX ix_purchases_hospital_id_date ON purchases (hospital_id, date);
CREATE INDEX ix_demand_generic_name_specification ON demand (generic_name, specification);
CREATE UNIQUE INDEX ux_demand_natural_key ON demand (hospital_id, generic_name, specification);
CREATE UNIQUE INDEX ux_offers_natural_key ON offers (generic_name, specification, supplier);
CREATE UNIQUE INDEX ux_substitutes_natural_key ON substitutes (generic_name, specification, substitute);
CREATE UNIQUE INDEX ux_fund_transfers_natural_key ON fund_transfers (hospital_id, transfer_id);
CREATE UNIQUE INDEX ux_shortages_natural_key ON shortages (hospital_id, shortage_id);
CREATE INDEX ix_history_hospitals_superseded_by ON history_hospitals (superseded_by);
CREATE INDEX ix_history_products_superseded_by ON history_products (superseded_by);
CREATE INDEX ix_history_agreements_superseded_by ON history_agreements (superseded_by);
CREATE INDEX ix_history_purchases_superseded_by ON history_purchases (superseded_by);
CREATE INDEX ix_history_payments_superseded_by ON history_payments (superseded_by);
CREATE INDEX ix_history_demand_superseded_by ON history_demand (superseded_by);
CREATE INDEX ix_history_offers_superseded_by ON history_offers (superseded_by);
CREATE INDEX ix_history_substitutes_superseded_by ON history_substitutes (superseded_by);
CREATE INDEX ix_history_fund_transfers_superseded_by ON history_fund_transfers (superseded_by);
CREATE INDEX ix_history_shortages_superseded_by ON history_shortages (superseded_by);
CREATE UNIQUE INDEX ux_hospitals_natural_key ON hospitals (hospital_id);
CREATE UNIQUE INDEX ux_products_natural_key ON products (product_id);
CREATE UNIQUE INDEX ux_purchases_natural_key ON purchases (hospital_id, order_id);
CREATE INDEX ix_purchases_delivery_lines ON purchases (hospital_id, date) WHERE ordered_quantity IS NOT NULL OR order_date IS NOT NULL;
CREATE INDEX ix_payments_hospital_id_date ON payments (hospital_id, date);
CREATE UNIQUE INDEX ux_payments_natural_key ON payments (hospital_id, payment_id);
CREATE INDEX ix_payments_order_id ON payments (order_id);
CREATE INDEX ix_user_sessions_username ON user_sessions (username);
COMMIT;
