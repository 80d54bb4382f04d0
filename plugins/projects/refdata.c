/*
 * refdata.c -- the reference lists of the projects plugin, as the SQL of
 * a migration step (schema.c, step "reference data").
 *
 * - proj_districts: the 38 county-level divisions of Chongqing (26
 *   districts, 8 counties, 4 autonomous counties), sorted in the order of
 *   their administrative division codes (500101 Wanzhou ... 500243
 *   Pengshui).  Functional areas such as the Liangjiang New Area are not
 *   county-level divisions and are not listed: a project there is booked
 *   to the district it lies in.
 * - proj_source_regions: where investment comes from, as a hierarchy.
 *   The report card rolls a sub-region up into its top-level region
 *   (Hong Kong into the Greater Bay Area); `parent` IS NULL marks a
 *   top-level region.  Shandong has no sub-regions on purpose: the
 *   regions plugin attributes projects to the partner province through
 *   this code, and the demo's F15 figure is counted on it.
 * - proj_industry_chains: the industrial chains the bureau works by,
 *   including the three the article names for the Greater Bay Area.
 *
 * Codes are stable identifiers (stored in projects, sent by clients);
 * names may be corrected in a later step, codes never change.
 */
#include "projects.h"

const char projects_refdata_sql[] =
	"INSERT INTO proj_districts(code, name_zh, name_en, sort) VALUES"
	"  ('wanzhou',   '万州区',   'Wanzhou District',   1),"
	"  ('fuling',    '涪陵区',   'Fuling District',    2),"
	"  ('yuzhong',   '渝中区',   'Yuzhong District',   3),"
	"  ('dadukou',   '大渡口区', 'Dadukou District',   4),"
	"  ('jiangbei',  '江北区',   'Jiangbei District',  5),"
	"  ('shapingba', '沙坪坝区', 'Shapingba District', 6),"
	"  ('jiulongpo', '九龙坡区', 'Jiulongpo District', 7),"
	"  ('nanan',     '南岸区',   'Nan''an District',   8),"
	"  ('beibei',    '北碚区',   'Beibei District',    9),"
	"  ('qijiang',   '綦江区',   'Qijiang District',   10),"
	"  ('dazu',      '大足区',   'Dazu District',      11),"
	"  ('yubei',     '渝北区',   'Yubei District',     12),"
	"  ('banan',     '巴南区',   'Banan District',     13),"
	"  ('qianjiang', '黔江区',   'Qianjiang District', 14),"
	"  ('changshou', '长寿区',   'Changshou District', 15),"
	"  ('jiangjin',  '江津区',   'Jiangjin District',  16),"
	"  ('hechuan',   '合川区',   'Hechuan District',   17),"
	"  ('yongchuan', '永川区',   'Yongchuan District', 18),"
	"  ('nanchuan',  '南川区',   'Nanchuan District',  19),"
	"  ('bishan',    '璧山区',   'Bishan District',    20),"
	"  ('tongliang', '铜梁区',   'Tongliang District', 21),"
	"  ('tongnan',   '潼南区',   'Tongnan District',   22),"
	"  ('rongchang', '荣昌区',   'Rongchang District', 23),"
	"  ('kaizhou',   '开州区',   'Kaizhou District',   24),"
	"  ('liangping', '梁平区',   'Liangping District', 25),"
	"  ('wulong',    '武隆区',   'Wulong District',    26),"
	"  ('chengkou',  '城口县',   'Chengkou County',    27),"
	"  ('fengdu',    '丰都县',   'Fengdu County',      28),"
	"  ('dianjiang', '垫江县',   'Dianjiang County',   29),"
	"  ('zhongxian', '忠县',     'Zhong County',       30),"
	"  ('yunyang',   '云阳县',   'Yunyang County',     31),"
	"  ('fengjie',   '奉节县',   'Fengjie County',     32),"
	"  ('wushan',    '巫山县',   'Wushan County',      33),"
	"  ('wuxi',      '巫溪县',   'Wuxi County',        34),"
	"  ('shizhu',    '石柱土家族自治县',"
	"    'Shizhu Tujia Autonomous County', 35),"
	"  ('xiushan',   '秀山土家族苗族自治县',"
	"    'Xiushan Tujia and Miao Autonomous County', 36),"
	"  ('youyang',   '酉阳土家族苗族自治县',"
	"    'Youyang Tujia and Miao Autonomous County', 37),"
	"  ('pengshui',  '彭水苗族土家族自治县',"
	"    'Pengshui Miao and Tujia Autonomous County', 38);"

	/* Parents first: the parent column references the code. */
	"INSERT INTO proj_source_regions(code, parent, name_zh, name_en, sort)"
	" VALUES"
	"  ('local',    NULL, '重庆本地', 'Chongqing (local)', 10),"
	"  ('sichuan',  NULL, '四川', 'Sichuan', 20),"
	"  ('gba',      NULL, '粤港澳大湾区',"
	"    'Guangdong-Hong Kong-Macao Greater Bay Area', 30),"
	"  ('yrd',      NULL, '长三角', 'Yangtze River Delta', 40),"
	"  ('jjj',      NULL, '京津冀', 'Beijing-Tianjin-Hebei', 50),"
	"  ('shandong', NULL, '山东', 'Shandong', 60),"
	"  ('fujian',   NULL, '福建', 'Fujian', 70),"
	"  ('hubei',    NULL, '湖北', 'Hubei', 80),"
	"  ('shaanxi',  NULL, '陕西', 'Shaanxi', 90),"
	"  ('other_domestic', NULL, '国内其他地区',"
	"    'Other mainland regions', 100),"
	"  ('taiwan',   NULL, '台湾地区', 'Taiwan region', 110),"
	"  ('overseas', NULL, '境外', 'Overseas', 120);"
	"INSERT INTO proj_source_regions(code, parent, name_zh, name_en, sort)"
	" VALUES"
	"  ('chengdu',   'sichuan', '成都', 'Chengdu (Sichuan)', 21),"
	"  ('hong_kong', 'gba', '香港', 'Hong Kong', 31),"
	"  ('macao',     'gba', '澳门', 'Macao', 32),"
	"  ('guangdong', 'gba', '广东', 'Guangdong', 33),"
	"  ('shanghai',  'yrd', '上海', 'Shanghai', 41),"
	"  ('jiangsu',   'yrd', '江苏', 'Jiangsu', 42),"
	"  ('zhejiang',  'yrd', '浙江', 'Zhejiang', 43),"
	"  ('anhui',     'yrd', '安徽', 'Anhui', 44),"
	"  ('beijing',   'jjj', '北京', 'Beijing', 51),"
	"  ('tianjin',   'jjj', '天津', 'Tianjin', 52),"
	"  ('hebei',     'jjj', '河北', 'Hebei', 53),"
	"  ('europe',    'overseas', '欧洲', 'Europe', 121),"
	"  ('americas',  'overseas', '美洲', 'Americas', 122),"
	"  ('japan_korea', 'overseas', '日韩', 'Japan and Korea', 123),"
	"  ('asean',     'overseas', '东盟', 'ASEAN', 124),"
	"  ('other_overseas', 'overseas', '其他境外地区',"
	"    'Other overseas', 125);"

	"INSERT INTO proj_industry_chains(code, name_zh, name_en, sort) VALUES"
	"  ('digital_economy', '数字经济', 'Digital economy', 10),"
	"  ('intelligent_manufacturing', '智能制造',"
	"    'Intelligent manufacturing', 20),"
	"  ('new_energy_vehicles', '新能源汽车', 'New energy vehicles', 30),"
	"  ('automotive', '汽车及零部件', 'Automobiles and parts', 40),"
	"  ('semiconductors', '集成电路', 'Integrated circuits', 50),"
	"  ('electronics', '电子信息', 'Electronics and information', 60),"
	"  ('software', '软件和信息服务', 'Software and IT services', 70),"
	"  ('biomedicine', '生物医药', 'Biomedicine', 80),"
	"  ('new_materials', '新材料', 'New materials', 90),"
	"  ('equipment', '高端装备', 'High-end equipment', 100),"
	"  ('green_energy', '绿色低碳与新能源',"
	"    'Green, low-carbon and new energy', 110),"
	"  ('consumer_goods', '消费品工业', 'Consumer goods', 120),"
	"  ('modern_services', '现代服务业', 'Modern services', 130),"
	"  ('finance', '金融', 'Finance', 140),"
	"  ('logistics', '现代物流', 'Modern logistics', 150),"
	"  ('culture_tourism', '文化旅游', 'Culture and tourism', 160),"
	"  ('agriculture', '现代农业', 'Modern agriculture', 170);";
