/*
 * demo -- the demonstration dataset: the bureau's book of record as of
 * 2021-12-30, generated from individual projects and ledger entries so
 * that the report card reproduces the article's figures exactly
 * (/work/shared/domain/FIGURES.md F1-F10, F15-F17; design and the chosen
 * targets in docs/REPORT_CARD.md).
 *
 * Deterministic: one fixed-seed splitmix64 stream and integer arithmetic
 * only, so every machine generates the same rows in the same order.  The
 * exact figures are not hoped for but constructed: each group of records
 * with a figure to meet (e.g. "2021 signings of 1 billion yuan or more,
 * Jan-Nov, not from Shandong") gets its total split over its members by
 * demo_split(), which hits the total to the 万元 within per-item bounds.
 *
 * Everything goes through the plugin's real tables inside the one
 * transaction `bureauctl demo` opened; caches by ledger_refresh(), the
 * search index by search_index(), the report roll-ups rebuilt at the end,
 * exactly what the API's own writes leave behind.  All rows is_demo = 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "projects.h"

/* ---- the plan: counts and totals (万元) ------------------------------- */

#define END_DATE	"2021-12-30"	/* the press conference */
#define BIG_WAN		100000		/* 1 billion yuan */

/* 2019 signings */
#define N19_BIG		330
#define N19_SMALL	670
#define T19_BIG		105000000LL
#define T19_SMALL	20000000LL
/* 2020: signings + amendments (on 2019 projects) = F3 146,153,846 */
#define N20_BIG		380		/* incl. the two named projects */
#define N20_SMALL	770
#define T20_BIG		122153846LL
#define T20_SMALL	20000000LL
#define N20_AMEND	80
#define T20_AMEND	4000000LL
/* 2021: signings + amendments (on 2019/2020 projects) = F1 171,000,000 */
#define N21_SD_BIG_JN	10		/* Shandong (F15), Jan-Nov */
#define N21_SD_BIG_DEC	2
#define N21_SD_SMALL	50
#define T21_SD_BIG	2420000LL	/* + small = 4,420,000 (F15) */
#define T21_SD_SMALL	2000000LL
#define N21_BIG_JN	421		/* + Shandong 10 = 431 (F6) */
#define N21_BIG_DEC	23
#define N21_SMALL	794
#define T21_SMALL	22000000LL
#define N21_AMEND	150
#define T21_AMEND	9000000LL
#define T21_BIG		(171000000LL - T21_SD_BIG - T21_SD_SMALL - \
			    T21_SMALL - T21_AMEND)
/* not signed (leads, negotiations), some of them cancelled */
#define N_UNSIGNED	300
#define N_UNSIGNED_CANCEL 60
#define N_CANCEL_1920	30		/* small 2019/2020 projects dropped */
#define N_CANCEL_21	8

/* Expo clusters: the signing ceremonies the expos demo picks from. */
#define N_SCE		260		/* Smart China Expo, 2021-08-23 */
#define N_WCIF		310		/* Western China Fair, 2021-05-20 */

/* Paid-in per year (F2, F4) and the 2021 key projects' share (F9). */
#define P19		24500000LL
#define P20		29508197LL
#define P21_KEY_JN	8430000LL
#define P21_KEY_DEC	600000LL
#define P21_OTHER	(36000000LL - P21_KEY_JN - P21_KEY_DEC)

/* Municipal key projects (F7, F8); see the status plan in demo_keys(). */
#define N_KEY19		80
#define KEY_MIN_WAN	250000		/* key projects are large ones */

#define N_PROBLEMS	300

#define N_TOTAL		(N19_BIG + N19_SMALL + N20_BIG + N20_SMALL + \
			    N21_SD_BIG_JN + N21_SD_BIG_DEC + N21_SD_SMALL + \
			    N21_BIG_JN + N21_BIG_DEC + N21_SMALL + N_UNSIGNED)

/* ---- deterministic randomness ------------------------------------------ */

struct demo_rng {
	uint64_t	s;
};

static uint64_t
demo_next(struct demo_rng *r)
{
	uint64_t z;

	/* splitmix64 (Steele, Lea, Flood 2014): tiny, full period,
	 * good enough for test data and identical everywhere. */
	z = (r->s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [a, b]; the modulo bias is irrelevant at these ranges. */
static int64_t
demo_range(struct demo_rng *r, int64_t a, int64_t b)
{
	if (b <= a)
		return a;
	return a + (int64_t)(demo_next(r) % (uint64_t)(b - a + 1));
}

static int
demo_chance(struct demo_rng *r, int percent)
{
	return demo_range(r, 0, 99) < percent;
}

/* Fisher-Yates over an index array. */
static void
demo_shuffle(struct demo_rng *r, int *v, size_t n)
{
	size_t i, j;
	int t;

	for (i = n; i > 1; i--) {
		j = (size_t)demo_range(r, 0, (int64_t)i - 1);
		t = v[i - 1];
		v[i - 1] = v[j];
		v[j] = t;
	}
}

/* ---- dates as day numbers ---------------------------------------------- */

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int
demo_day(int y, int m, int d)
{
	int era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
demo_date(int z, char out[11])
{
	int era, doe, yoe, y, doy, mp, d, m;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp + (mp < 10 ? 3 : -9);
	y += m <= 2;
	/* Unsigned remainders: the compiler sees the output fits. */
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000u,
	    (unsigned)m % 100u, (unsigned)d % 100u);
}

static int
demo_min(int a, int b)
{
	return a < b ? a : b;
}

static int
demo_max(int a, int b)
{
	return a > b ? a : b;
}

/* ---- exact splits ------------------------------------------------------- */

/*
 * Splits total into n parts, out[i] in [lo, hi[i]] (hi NULL: no upper
 * bound), roughly in proportion to w[i], in multiples of unit but for one
 * last remainder.  Water-filling: shares are handed out by weight, parts
 * that hit their bound are frozen and the rest re-shared; what rounding
 * leaves goes round-robin from a random start.  0, or -1 when the bounds
 * make the total impossible.
 */
static int
demo_split(struct demo_rng *r, int64_t *out, size_t n, int64_t total,
    int64_t lo, const int64_t *hi, const int64_t *w, int64_t unit)
{
	unsigned char *frozen;
	int64_t rem, wsum, add, room;
	size_t i, start, k;
	int changed, rc = -1;

	if (n == 0)
		return total == 0 ? 0 : -1;
	if ((frozen = calloc(n, 1)) == NULL)
		return -1;
	rem = total;
	for (i = 0; i < n; i++) {
		if (hi != NULL && hi[i] < lo)
			goto done;
		out[i] = lo;
		rem -= lo;
	}
	if (rem < 0)
		goto done;
	do {
		changed = 0;
		wsum = 0;
		for (i = 0; i < n; i++)
			if (!frozen[i])
				wsum += w[i];
		if (wsum <= 0 || rem < unit)
			break;
		for (i = 0; i < n; i++) {
			if (frozen[i] || w[i] <= 0)
				continue;
			add = (int64_t)((__int128)rem * w[i] / wsum);
			add -= add % unit;
			if (hi != NULL && out[i] + add >= hi[i]) {
				add = hi[i] - out[i];
				frozen[i] = 1;
				changed = 1;
			}
			out[i] += add;
		}
		rem = total;
		for (i = 0; i < n; i++)
			rem -= out[i];
	} while (changed && rem > 0);
	/* Round-robin the rest in units, then the last bit of it. */
	start = (size_t)demo_range(r, 0, (int64_t)n - 1);
	while (rem > 0) {
		changed = 0;
		for (k = 0; k < n && rem > 0; k++) {
			i = (start + k) % n;
			room = hi != NULL ? hi[i] - out[i] : rem;
			add = rem < unit ? rem : unit;
			if (room < add)
				add = room;
			if (add <= 0)
				continue;
			out[i] += add;
			rem -= add;
			changed = 1;
		}
		if (!changed)
			goto done;
	}
	rc = 0;
done:
	free(frozen);
	return rc;
}

/* ---- reference choices ------------------------------------------------ */

struct demo_weighted {
	const char	*code;
	int		 weight;
};

static const struct demo_weighted demo_districts[] = {
	{ "yubei", 90 }, { "jiangbei", 45 }, { "yuzhong", 30 },
	{ "shapingba", 60 }, { "jiulongpo", 60 }, { "nanan", 40 },
	{ "beibei", 35 }, { "dadukou", 20 }, { "banan", 45 },
	{ "jiangjin", 55 }, { "bishan", 45 }, { "changshou", 40 },
	{ "fuling", 40 }, { "yongchuan", 45 }, { "hechuan", 35 },
	{ "tongliang", 30 }, { "tongnan", 20 }, { "rongchang", 25 },
	{ "dazu", 30 }, { "qijiang", 25 }, { "nanchuan", 20 },
	{ "wanzhou", 40 }, { "kaizhou", 20 }, { "liangping", 20 },
	{ "qianjiang", 15 }, { "wulong", 10 }, { "chengkou", 4 },
	{ "fengdu", 10 }, { "dianjiang", 15 }, { "zhongxian", 12 },
	{ "yunyang", 12 }, { "fengjie", 10 }, { "wushan", 6 },
	{ "wuxi", 4 }, { "shizhu", 6 }, { "xiushan", 8 },
	{ "youyang", 5 }, { "pengshui", 6 }, { NULL, 0 }
};

/* Shandong's weight is applied only where it is free (2019, 2020). */
static const struct demo_weighted demo_regions[] = {
	{ "local", 220 }, { "chengdu", 50 }, { "sichuan", 20 },
	{ "hong_kong", 60 }, { "macao", 8 }, { "guangdong", 90 },
	{ "gba", 10 }, { "shanghai", 50 }, { "jiangsu", 40 },
	{ "zhejiang", 45 }, { "anhui", 10 }, { "beijing", 55 },
	{ "tianjin", 10 }, { "hebei", 8 }, { "fujian", 25 },
	{ "hubei", 20 }, { "shaanxi", 15 }, { "other_domestic", 40 },
	{ "taiwan", 15 }, { "europe", 15 }, { "americas", 12 },
	{ "japan_korea", 15 }, { "asean", 10 }, { "other_overseas", 5 },
	{ "shandong", 30 }, { NULL, 0 }
};

struct demo_chain {
	const char	*code;
	int		 weight, gba_weight;
	const char	*zh[3], *en[3];
};

static const struct demo_chain demo_chains[] = {
	{ "digital_economy", 60, 180,
	  { "大数据中心", "工业互联网平台", "数字经济产业园" },
	  { "big data centre", "industrial internet platform",
	    "digital economy park" } },
	{ "intelligent_manufacturing", 60, 180,
	  { "智能制造基地", "工业机器人生产线", "智能装备产业园" },
	  { "intelligent manufacturing base", "industrial robot line",
	    "smart equipment park" } },
	{ "new_energy_vehicles", 40, 120,
	  { "新能源汽车整车基地", "动力电池生产基地", "电驱动系统项目" },
	  { "new energy vehicle assembly plant", "power battery plant",
	    "electric drive systems plant" } },
	{ "automotive", 50, 30,
	  { "汽车零部件产业园", "汽车发动机生产线", "汽车电子项目" },
	  { "auto parts park", "engine production line",
	    "automotive electronics plant" } },
	{ "semiconductors", 25, 30,
	  { "功率半导体封测项目", "集成电路设计中心", "特色工艺晶圆项目" },
	  { "power semiconductor packaging and test plant",
	    "IC design centre", "specialty process wafer fab" } },
	{ "electronics", 55, 50,
	  { "智能终端生产基地", "笔记本电脑配套项目", "显示面板配套项目" },
	  { "smart devices production base", "laptop supply chain plant",
	    "display panel supply plant" } },
	{ "software", 30, 30,
	  { "软件研发中心", "信息技术服务外包基地", "区域总部及研发中心" },
	  { "software R&D centre", "IT outsourcing base",
	    "regional HQ and R&D centre" } },
	{ "biomedicine", 35, 25,
	  { "生物医药产业园", "医疗器械生产基地", "创新药研发中心" },
	  { "biomedicine park", "medical devices plant",
	    "innovative drugs R&D centre" } },
	{ "new_materials", 40, 20,
	  { "新材料产业园", "高性能复合材料项目", "铝基新材料项目" },
	  { "new materials park", "high-performance composites plant",
	    "aluminium-based materials plant" } },
	{ "equipment", 35, 20,
	  { "高端装备制造基地", "轨道交通装备项目", "通用航空产业园" },
	  { "high-end equipment base", "rail transit equipment plant",
	    "general aviation park" } },
	{ "green_energy", 30, 20,
	  { "光伏组件生产基地", "氢能产业园", "储能电站项目" },
	  { "PV module plant", "hydrogen energy park",
	    "energy storage station" } },
	{ "consumer_goods", 35, 25,
	  { "食品加工产业园", "智能家居生产基地", "消费品区域总部" },
	  { "food processing park", "smart home appliances base",
	    "consumer goods regional HQ" } },
	{ "modern_services", 40, 30,
	  { "商业综合体项目", "区域总部基地", "会展及配套服务项目" },
	  { "commercial complex", "regional headquarters base",
	    "exhibition services project" } },
	{ "finance", 15, 20,
	  { "金融后台服务中心", "融资租赁区域总部", "金融科技中心" },
	  { "financial back-office centre", "leasing regional HQ",
	    "fintech centre" } },
	{ "logistics", 25, 20,
	  { "智慧物流园", "冷链物流基地", "多式联运枢纽项目" },
	  { "smart logistics park", "cold-chain logistics base",
	    "multimodal logistics hub" } },
	{ "culture_tourism", 25, 10,
	  { "文旅综合体项目", "康养度假区项目", "影视文创园" },
	  { "culture and tourism complex", "wellness resort",
	    "film and creative park" } },
	{ "agriculture", 25, 5,
	  { "现代农业产业园", "特色农产品加工项目", "智慧农业示范基地" },
	  { "modern agriculture park", "specialty produce processing plant",
	    "smart agriculture demonstration base" } },
	{ NULL, 0, 0, { NULL, NULL, NULL }, { NULL, NULL, NULL } }
};

static const char *
demo_pick(struct demo_rng *r, const struct demo_weighted *list,
    const char *except)
{
	int64_t total = 0, x;
	size_t i;

	for (i = 0; list[i].code != NULL; i++)
		if (except == NULL || strcmp(list[i].code, except) != 0)
			total += list[i].weight;
	x = demo_range(r, 0, total - 1);
	for (i = 0; list[i].code != NULL; i++) {
		if (except != NULL && strcmp(list[i].code, except) == 0)
			continue;
		if (x < list[i].weight)
			return list[i].code;
		x -= list[i].weight;
	}
	return list[0].code;
}

static int
demo_is_gba(const char *region)
{
	return strcmp(region, "gba") == 0 || strcmp(region, "hong_kong") == 0 ||
	    strcmp(region, "macao") == 0 || strcmp(region, "guangdong") == 0;
}

static const struct demo_chain *
demo_pick_chain(struct demo_rng *r, const char *region)
{
	int64_t total = 0, x, w;
	size_t i;
	int gba = demo_is_gba(region);

	for (i = 0; demo_chains[i].code != NULL; i++)
		total += gba ? demo_chains[i].gba_weight :
		    demo_chains[i].weight;
	x = demo_range(r, 0, total - 1);
	for (i = 0; demo_chains[i].code != NULL; i++) {
		w = gba ? demo_chains[i].gba_weight : demo_chains[i].weight;
		if (x < w)
			return &demo_chains[i];
		x -= w;
	}
	return &demo_chains[0];
}

static const char *
demo_investor_type(struct demo_rng *r, const char *region)
{
	static const char *const overseas[] = { "europe", "americas",
	    "japan_korea", "asean", "other_overseas", NULL };
	size_t i;
	int64_t x;

	if (strcmp(region, "hong_kong") == 0 || strcmp(region, "macao") == 0 ||
	    strcmp(region, "taiwan") == 0)
		return demo_chance(r, 85) ? "hmt" : "central_soe";
	for (i = 0; overseas[i] != NULL; i++)
		if (strcmp(region, overseas[i]) == 0)
			return "foreign";
	x = demo_range(r, 0, 99);
	if (strcmp(region, "local") == 0)
		return x < 35 ? "local_soe" : "private";
	if (strcmp(region, "beijing") == 0)
		return x < 55 ? "central_soe" : x < 65 ? "local_soe" :
		    "private";
	return x < 18 ? "central_soe" : x < 30 ? "local_soe" : "private";
}

/* ---- the projects ---------------------------------------------------- */

#define F_BIG		0x0001u
#define F_SHANDONG	0x0002u	/* the 62 of F15 (2021) */
#define F_CANCEL	0x0004u
#define F_NAMED		0x0008u	/* BYD, China Resources (F10) */
#define F_KEY19		0x0010u
#define F_KEY20		0x0020u
#define F_KEY21		0x0040u
#define F_DKEY20	0x0080u	/* district-level key project */
#define F_DKEY21	0x0100u
#define F_EXPO		0x0200u	/* signed at an expo ceremony */
#define F_LATE		0x0400u	/* 2021 big signing in December */

/* When a key project starts construction (see demo_keys). */
enum demo_start {
	START_ANY,		/* no constraint */
	START_BY_2020,		/* under construction by 2020-12-31 */
	START_IN_2021,		/* in 2021, not before */
	START_NEVER		/* not under construction by 2021-12-31 */
};

struct demo_project {
	int64_t		 id;		/* database id once inserted */
	int		 year;		/* signing year, 0 unsigned */
	int		 sign_day, lead_day, nego_day, uc_day, io_day;
	int		 cancel_day;
	int64_t		 signing, paid;
	const char	*region, *district, *itype;
	const char	*district_zh;	/* short name, for the project name */
	const struct demo_chain *chain;
	int		 product;
	unsigned	 flags;
	enum demo_start	 start;
};

struct demo {
	const struct bureau_host *h;
	struct bureau_req	*req;
	struct demo_rng		 rng;
	struct demo_project	*p;
	size_t			 n;
	int			 end;		/* END_DATE as a day */
	int64_t			 officers[16];
	size_t			 nofficers;
	size_t			 npayments, ncontracts, nstages;
};

static const struct demo_chain *
demo_chain_by_code(const char *code)
{
	size_t i;

	for (i = 0; demo_chains[i].code != NULL; i++)
		if (strcmp(demo_chains[i].code, code) == 0)
			return &demo_chains[i];
	return &demo_chains[0];
}

/* A project's attributes; "shandong" only when asked for or free. */
static void
demo_attrs(struct demo *d, struct demo_project *p, int shandong,
    int shandong_free)
{
	if (shandong)
		p->region = "shandong";
	else
		p->region = demo_pick(&d->rng, demo_regions,
		    shandong_free ? NULL : "shandong");
	p->district = demo_pick(&d->rng, demo_districts, NULL);
	p->chain = demo_pick_chain(&d->rng, p->region);
	p->product = (int)demo_range(&d->rng, 0, 2);
	p->itype = demo_investor_type(&d->rng, p->region);
}

/* Adds a group of signed projects of one year and its amounts. */
static int
demo_group(struct demo *d, int year, size_t count, int64_t total,
    int64_t lo, int64_t hi, int big, unsigned flags, int first_day,
    int last_day)
{
	int64_t *amount, *w, *his;
	struct demo_project *p;
	size_t i, base = d->n;
	int64_t x;
	int rc = -1;

	amount = calloc(count, sizeof(*amount));
	w = calloc(count, sizeof(*w));
	his = calloc(count, sizeof(*his));
	if (amount == NULL || w == NULL || his == NULL)
		goto done;
	for (i = 0; i < count; i++) {
		x = demo_range(&d->rng, 1, 100);
		/* Big signings are heavy-tailed: a few 100-亿 projects. */
		w[i] = big ? x * x * x : 20 + x;
		his[i] = hi;
	}
	if (demo_split(&d->rng, amount, count, total, lo, his, w,
	    big ? 100 : 10) == -1) {
		d->h->log(BUREAU_LOG_ERR, "demo: cannot split %lld over %zu",
		    (long long)total, count);
		goto done;
	}
	for (i = 0; i < count; i++) {
		p = &d->p[base + i];
		memset(p, 0, sizeof(*p));
		p->year = year;
		p->signing = amount[i];
		p->flags = flags | (big ? F_BIG : 0);
		p->sign_day = (int)demo_range(&d->rng, first_day, last_day);
		demo_attrs(d, p, (flags & F_SHANDONG) != 0, year < 2021);
	}
	d->n += count;
	rc = 0;
done:
	free(amount);
	free(w);
	free(his);
	return rc;
}

/* The two projects the article names (F10). */
static void
demo_named(struct demo_project *byd,
    struct demo_project *cr)
{
	byd->sign_day = demo_day(2020, 4, 16);
	byd->signing = 1000000;
	byd->region = "guangdong";
	byd->district = "bishan";
	byd->chain = demo_chain_by_code("new_energy_vehicles");
	byd->itype = "private";
	byd->uc_day = demo_day(2020, 6, 18);
	byd->io_day = demo_day(2021, 6, 28);

	cr->sign_day = demo_day(2020, 3, 20);
	cr->signing = 756000;
	cr->region = "hong_kong";
	cr->district = "shapingba";
	cr->chain = demo_chain_by_code("semiconductors");
	cr->itype = "central_soe";
	cr->uc_day = demo_day(2020, 5, 26);
	cr->io_day = demo_day(2021, 9, 27);

	byd->flags = cr->flags = F_BIG | F_NAMED;
	byd->year = cr->year = 2020;
}

/* Indexes of the projects matching a predicate, shuffled. */
static int *
demo_select(struct demo *d, int (*pred)(const struct demo *,
    const struct demo_project *, const void *), const void *arg,
    size_t *n)
{
	int *v;
	size_t i;

	*n = 0;
	if ((v = calloc(d->n + 1, sizeof(*v))) == NULL)
		return NULL;
	for (i = 0; i < d->n; i++)
		if (pred(d, &d->p[i], arg))
			v[(*n)++] = (int)i;
	demo_shuffle(&d->rng, v, *n);
	return v;
}

/* ---- predicates for demo_select ---------------------------------------- */

static int
pred_expo(const struct demo *d, const struct demo_project *p,
    const void *arg)
{
	(void)d;
	(void)arg;
	return p->year == 2021 && !(p->flags & (F_LATE | F_CANCEL | F_EXPO));
}

static int
pred_cancel(const struct demo *d, const struct demo_project *p,
    const void *arg)
{
	const int *year = arg;

	(void)d;
	/* Never on an expo ceremony day: the expos demo picks there. */
	return p->year != 0 && (*year == 2021 ? p->year == 2021 :
	    p->year < 2021) && !(p->flags & (F_BIG | F_SHANDONG | F_EXPO |
	    F_NAMED | F_CANCEL)) && p->sign_day != demo_day(2021, 8, 23) &&
	    p->sign_day != demo_day(2021, 5, 20);
}

static int
pred_amend(const struct demo *d, const struct demo_project *p,
    const void *arg)
{
	const int *year = arg;

	/* Shandong projects are never amended: F15 reads the same whether
	 * counted on signings or on all contract entries of the year. */
	return p->year != 0 && p->year < *year && !(p->flags & F_CANCEL) &&
	    strcmp(p->region, "shandong") != 0 &&
	    p->sign_day + 30 <= demo_min(d->end, demo_day(*year, 12, 30));
}

struct key_pred {
	int	year_max;	/* signed in or before */
	int	sign_by;	/* day */
	unsigned without;	/* flags excluded */
};

static int
pred_key(const struct demo *d, const struct demo_project *p,
    const void *arg)
{
	const struct key_pred *k = arg;

	(void)d;
	return p->year != 0 && p->year <= k->year_max &&
	    p->sign_day <= k->sign_by && p->signing >= KEY_MIN_WAN &&
	    !(p->flags & (F_CANCEL | F_NAMED | k->without));
}

static int
pred_signed_active(const struct demo *d, const struct demo_project *p,
    const void *arg)
{
	const unsigned *without = arg;

	(void)d;
	return p->year != 0 && !(p->flags & (F_CANCEL | *without));
}

/* ---- plan: expo clusters, cancellations, key projects ---------------- */

static int
demo_expos(struct demo *d)
{
	int *v;
	size_t n, i;

	if ((v = demo_select(d, pred_expo, NULL, &n)) == NULL)
		return -1;
	if (n < N_SCE + N_WCIF) {
		free(v);
		return -1;
	}
	for (i = 0; i < N_SCE + N_WCIF; i++) {
		d->p[v[i]].flags |= F_EXPO;
		d->p[v[i]].sign_day = i < N_SCE ? demo_day(2021, 8, 23) :
		    demo_day(2021, 5, 20);
	}
	free(v);
	return 0;
}

static int
demo_cancellations(struct demo *d)
{
	int *v, year;
	size_t n, i, want;

	for (year = 2020; year <= 2021; year++) {
		if ((v = demo_select(d, pred_cancel, &year, &n)) == NULL)
			return -1;
		want = year == 2021 ? N_CANCEL_21 : N_CANCEL_1920;
		for (i = 0; i < want && i < n; i++)
			d->p[v[i]].flags |= F_CANCEL;
		free(v);
	}
	return 0;
}

/*
 * Municipal key projects and when they start construction, so that the
 * operation rate (开工率) is what F7 needs:
 *   2020: 90 projects -- 40 also key in 2021 (30 started by the end of
 *         2020, incl. BYD and China Resources, 10 start in 2021) and 50
 *         key only in 2020 (27 started by the end of 2020, 12 start in
 *         2021, 11 not by the end of 2021): 57 / 90 = 63.3 %
 *   2021: 100 projects (F8) -- those 40 (all started), 20 more signed in
 *         2019/2020 (12 started), 40 signed in 2021 by June (18
 *         started): 70 / 100 = 70.0 %
 */
static int
demo_keys(struct demo *d, struct demo_project *byd, struct demo_project *cr)
{
	struct key_pred kp;
	int *v = NULL;
	size_t n, i, j;
	struct demo_project *p;

	byd->flags |= F_KEY20 | F_KEY21;
	cr->flags |= F_KEY20 | F_KEY21;
	byd->start = cr->start = START_BY_2020;

	/* 2020 and 2021: 38 + the named 2 */
	kp.year_max = 2020;
	kp.sign_by = demo_day(2020, 6, 30);
	kp.without = 0;
	if ((v = demo_select(d, pred_key, &kp, &n)) == NULL || n < 88)
		goto fail;
	for (i = 0; i < 88; i++) {
		p = &d->p[v[i]];
		if (i < 38) {
			p->flags |= F_KEY20 | F_KEY21;
			p->start = i < 28 ? START_BY_2020 : START_IN_2021;
		} else {
			j = i - 38;
			p->flags |= F_KEY20;
			p->start = j < 27 ? START_BY_2020 : j < 39 ?
			    START_IN_2021 : START_NEVER;
		}
	}
	free(v);
	/* 2021 only, signed 2019/2020 */
	kp.year_max = 2020;
	kp.sign_by = demo_day(2020, 12, 31);
	kp.without = F_KEY20;
	if ((v = demo_select(d, pred_key, &kp, &n)) == NULL || n < 20)
		goto fail;
	for (i = 0; i < 20; i++) {
		p = &d->p[v[i]];
		p->flags |= F_KEY21;
		p->start = i < 6 ? START_BY_2020 : i < 12 ? START_IN_2021 :
		    START_NEVER;
	}
	free(v);
	/* 2021, signed 2021 by the end of June */
	kp.year_max = 2021;
	kp.sign_by = demo_day(2021, 6, 30);
	kp.without = F_KEY20 | F_KEY21 | F_SHANDONG;
	if ((v = demo_select(d, pred_key, &kp, &n)) == NULL)
		goto fail;
	for (i = j = 0; i < n && j < 40; i++) {
		p = &d->p[v[i]];
		if (p->year != 2021)
			continue;
		p->flags |= F_KEY21;
		p->start = j < 18 ? START_IN_2021 : START_NEVER;
		j++;
	}
	free(v);
	v = NULL;
	if (j < 40)
		goto fail;
	/* 2019: history only, no figure depends on it */
	kp.year_max = 2019;
	kp.sign_by = demo_day(2019, 6, 30);
	kp.without = 0;
	if ((v = demo_select(d, pred_key, &kp, &n)) == NULL)
		goto fail;
	for (i = 0; i < n && i < N_KEY19; i++)
		d->p[v[i]].flags |= F_KEY19;
	free(v);
	/* District-level key projects: any active signed project. */
	for (i = 0; i < 2; i++) {
		unsigned without = i == 0 ? F_KEY20 : F_KEY21;

		if ((v = demo_select(d, pred_signed_active, &without, &n)) ==
		    NULL)
			goto fail;
		for (j = 0; j < n && j < 170; j++) {
			p = &d->p[v[j]];
			if (i == 0 && p->year <= 2020)
				p->flags |= F_DKEY20;
			else if (i == 1)
				p->flags |= F_DKEY21;
		}
		free(v);
	}
	return 0;
fail:
	free(v);
	d->h->log(BUREAU_LOG_ERR, "demo: not enough candidates for key "
	    "projects");
	return -1;
}

/* Stage dates of every project, honouring the key projects' plans. */
static void
demo_stages(struct demo *d)
{
	struct demo_project *p;
	int y20 = demo_day(2020, 12, 31), y21 = demo_day(2021, 1, 1);
	int lo, hi;
	size_t i;

	for (i = 0; i < d->n; i++) {
		p = &d->p[i];
		if (p->year == 0) {
			/* Leads: some negotiating, some dropped. */
			p->lead_day = (int)demo_range(&d->rng,
			    demo_day(2020, 3, 1), demo_day(2021, 12, 15));
			if (demo_chance(&d->rng, 60))
				p->nego_day = demo_min(d->end, p->lead_day +
				    (int)demo_range(&d->rng, 10, 120));
			if (p->flags & F_CANCEL)
				p->cancel_day = demo_min(d->end,
				    demo_max(p->lead_day, p->nego_day) +
				    (int)demo_range(&d->rng, 15, 200));
			continue;
		}
		p->lead_day = p->sign_day - (int)demo_range(&d->rng, 30, 240);
		p->nego_day = p->lead_day + 1 + (int)demo_range(&d->rng, 0,
		    p->sign_day - p->lead_day - 2);
		if (p->flags & F_NAMED)
			continue;
		if (p->flags & F_CANCEL) {
			p->cancel_day = demo_min(d->end, p->sign_day +
			    (int)demo_range(&d->rng, 60, 420));
			continue;
		}
		switch (p->start) {
		case START_BY_2020:
			lo = p->sign_day + 15;
			hi = demo_min(p->sign_day + 240, y20);
			p->uc_day = (int)demo_range(&d->rng, lo, demo_max(lo,
			    hi));
			break;
		case START_IN_2021:
			lo = demo_max(p->sign_day + 15, y21);
			p->uc_day = (int)demo_range(&d->rng, lo, demo_max(lo,
			    d->end));
			break;
		case START_NEVER:
			p->uc_day = 0;
			break;
		case START_ANY:
			if (demo_chance(&d->rng, 80))
				p->uc_day = p->sign_day +
				    (int)demo_range(&d->rng, 20, 300);
			break;
		}
		if (p->uc_day > d->end)
			p->uc_day = 0;
		if (p->uc_day && demo_chance(&d->rng, 60)) {
			p->io_day = p->uc_day + (int)demo_range(&d->rng, 120,
			    720);
			if (p->io_day > d->end)
				p->io_day = 0;
		}
	}
}

/* ---- writing rows ------------------------------------------------------- */

static int
demo_exec(struct demo *d, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE) {
		d->h->log(BUREAU_LOG_ERR, "demo: %s",
		    sqlite3_errmsg(d->h->db(d->req)));
		return -1;
	}
	return 0;
}

/* RFC 3339 UTC of 10:00 Beijing time on a day: when it was recorded. */
static void
demo_stamp(int day, char out[21])
{
	char date[11];

	demo_date(day, date);
	snprintf(out, 21, "%sT02:00:00Z", date);
}

static int
demo_stage_row(struct demo *d, int64_t id, const char *from, const char *to,
    int day, const char *reason)
{
	sqlite3_stmt *st;
	char date[11], stamp[21];

	if ((st = d->h->db_prepare(d->req, "INSERT INTO project_stages("
	    "project_id, from_stage, to_stage, effective_on, recorded_at,"
	    " reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6)")) == NULL)
		return -1;
	demo_date(day, date);
	demo_stamp(day, stamp);
	sqlite3_bind_int64(st, 1, id);
	if (from != NULL)
		sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, date, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, stamp, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, reason, -1, SQLITE_STATIC);
	d->nstages++;
	return demo_exec(d, st);
}

static int
demo_contract_row(struct demo *d, int64_t id, const char *kind, int day,
    int64_t amount, const char *note)
{
	sqlite3_stmt *st;
	char date[11], stamp[21];

	if ((st = d->h->db_prepare(d->req, "INSERT INTO project_contracts("
	    "project_id, kind, signed_on, amount_wan, note, recorded_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)")) == NULL)
		return -1;
	demo_date(day, date);
	demo_stamp(day, stamp);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, date, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, amount);
	sqlite3_bind_text(st, 5, note, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, stamp, -1, SQLITE_TRANSIENT);
	d->ncontracts++;
	return demo_exec(d, st);
}

static int
demo_project_row(struct demo *d, struct demo_project *p, size_t serial)
{
	sqlite3_stmt *st;
	char created[21], updated[21], *zh, *en, *inv;
	const char *notes;
	int last;

	if ((st = d->h->db_prepare(d->req, "INSERT INTO projects(name_zh,"
	    " name_en, investor, investor_type, source_region,"
	    " industry_chain, district, officer_id, notes, is_demo,"
	    " created_at, updated_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
	    " ?9, 1, ?10, ?11")) == NULL)
		return -1;
	if (p->flags & F_NAMED) {
		if (strcmp(p->chain->code, "new_energy_vehicles") == 0) {
			zh = "比亚迪动力电池全球总部";
			en = "BYD power battery global headquarters";
			inv = "比亚迪股份有限公司 BYD Company Limited";
		} else {
			zh = "华润微电子12英寸功率半导体晶圆生产线";
			en = "China Resources Microelectronics 12-inch power "
			    "semiconductor wafer base";
			inv = "华润微电子有限公司 China Resources "
			    "Microelectronics Limited";
		}
		notes = "演示数据：按2021年12月30日新闻发布会报道生成的记录。"
		    " Demo data: a record generated from the report of the "
		    "2021-12-30 press conference.";
	} else {
		zh = d->h->printf(d->req, "%s%s（演示%04zu）", p->district_zh,
		    p->chain->zh[p->product], serial);
		en = d->h->printf(d->req, "%s (demo %04zu)",
		    p->chain->en[p->product], serial);
		inv = d->h->printf(d->req, "演示企业%04zu Demo Investor %04zu",
		    serial, serial);
		notes = "演示数据（生成的示例记录，非真实项目）。"
		    " Demo data (generated example, not a real project).";
	}
	if (zh == NULL || en == NULL || inv == NULL)
		return -1;
	last = demo_max(demo_max(p->lead_day, p->nego_day),
	    demo_max(demo_max(p->sign_day, p->uc_day),
	    demo_max(p->io_day, p->cancel_day)));
	demo_stamp(p->lead_day, created);
	demo_stamp(last, updated);
	sqlite3_bind_text(st, 1, zh, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, en, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, inv, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, p->itype, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, p->region, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, p->chain->code, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, p->district, -1, SQLITE_STATIC);
	if (d->nofficers > 0)
		sqlite3_bind_int64(st, 8, d->officers[serial % d->nofficers]);
	sqlite3_bind_text(st, 9, notes, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 10, created, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 11, updated, -1, SQLITE_TRANSIENT);
	if (demo_exec(d, st) == -1)
		return -1;
	p->id = sqlite3_last_insert_rowid(d->h->db(d->req));
	return 0;
}

/* The district name in Chinese, without the division suffix where the
 * name stays unambiguous ("渝北区" -> "渝北"; "忠县" stays). */
static int
demo_district_names(struct demo *d)
{
	sqlite3_stmt *st;
	struct demo_project *p;
	const char *zh;
	size_t i, len;
	int rc;

	if ((st = d->h->db_prepare(d->req, "SELECT name_zh FROM proj_districts"
	    " WHERE code = ?1")) == NULL)
		return -1;
	for (i = 0; i < d->n; i++) {
		p = &d->p[i];
		sqlite3_bind_text(st, 1, p->district, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		zh = rc == SQLITE_ROW ?
		    (const char *)sqlite3_column_text(st, 0) : NULL;
		if (zh == NULL) {
			sqlite3_reset(st);
			d->h->log(BUREAU_LOG_ERR, "demo: district %s is not "
			    "in the reference data", p->district);
			return -1;
		}
		len = strlen(zh);
		/* 区/县 are 3 bytes in UTF-8; keep two characters at least. */
		if (len > 6 && (strcmp(zh + len - 3, "区") == 0 ||
		    strcmp(zh + len - 3, "县") == 0) &&
		    strstr(zh, "自治县") == NULL)
			len -= 3;
		else if (strstr(zh, "自治县") != NULL)
			len = 6;	/* "石柱土家族自治县" -> "石柱" */
		p->district_zh = d->h->printf(d->req, "%.*s", (int)len, zh);
		sqlite3_reset(st);
		if (p->district_zh == NULL)
			return -1;
	}
	return 0;
}

/* ---- payments ------------------------------------------------------------ */

struct pay_group {
	int		 year;
	int64_t		 total;
	int		 first, last;	/* the window, days */
	unsigned	 need, without;	/* flags required / excluded */
	int		 cap_pct;	/* of signing, per year (0: none) */
};

static int
demo_payment_rows(struct demo *d, struct demo_project *p, int64_t amount,
    int first, int last, int year)
{
	sqlite3_stmt *st;
	int64_t part[4], w[4];
	int days[4], t, k, i, j;
	char date[11], stamp[21], *evidence;

	k = (int)demo_range(&d->rng, 1, 4);
	if (amount < k)
		k = 1;
	for (i = 0; i < k; i++) {
		w[i] = demo_range(&d->rng, 1, 10);
		days[i] = (int)demo_range(&d->rng, first, last);
	}
	/* Tranches in date order (insertion sort of four). */
	for (i = 1; i < k; i++)
		for (j = i; j > 0 && days[j - 1] > days[j]; j--) {
			t = days[j];
			days[j] = days[j - 1];
			days[j - 1] = t;
		}
	if (demo_split(&d->rng, part, (size_t)k, amount, 1, NULL, w, 1) == -1)
		return -1;
	if ((st = d->h->db_prepare(d->req, "INSERT INTO project_payments("
	    "project_id, paid_on, amount_wan, evidence, recorded_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)")) == NULL)
		return -1;
	for (i = 0; i < k; i++) {
		demo_date(days[i], date);
		demo_stamp(days[i], stamp);
		evidence = d->h->printf(d->req, "演示数据：银行到账凭证 "
		    "DEMO-%d-%06zu (demo bank receipt)", year, d->npayments + 1);
		if (evidence == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, p->id);
		sqlite3_bind_text(st, 2, date, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 3, part[i]);
		sqlite3_bind_text(st, 4, evidence, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 5, stamp, -1, SQLITE_TRANSIENT);
		d->npayments++;
		if (demo_exec(d, st) == -1)
			return -1;
	}
	p->paid += amount;
	return 0;
}

/*
 * One year's payments of a group of projects, exactly `total`.  A
 * project pays only after signing, at most 70 % of its signing amount in
 * all (so paid-in never exceeds contracted on any date, amendments only
 * add) and, where cap_pct is set, at most that share in one year.
 */
static int
demo_payments(struct demo *d, const struct pay_group *g)
{
	struct demo_project *p;
	int64_t *amount = NULL, *hi = NULL, *w = NULL, room;
	int *idx = NULL, *first = NULL;
	size_t i, n = 0;
	int rc = -1, f;

	amount = calloc(d->n, sizeof(*amount));
	hi = calloc(d->n, sizeof(*hi));
	w = calloc(d->n, sizeof(*w));
	idx = calloc(d->n, sizeof(*idx));
	first = calloc(d->n, sizeof(*first));
	if (amount == NULL || hi == NULL || w == NULL || idx == NULL ||
	    first == NULL)
		goto done;
	for (i = 0; i < d->n; i++) {
		p = &d->p[i];
		if (p->year == 0 || (p->flags & F_CANCEL) ||
		    (p->flags & g->need) != g->need || (p->flags & g->without))
			continue;
		f = demo_max(p->sign_day + 7, g->first);
		if (f > g->last)
			continue;
		room = p->signing * 7 / 10 - p->paid;
		if (g->cap_pct > 0 && room > p->signing * g->cap_pct / 100)
			room = p->signing * g->cap_pct / 100;
		if (room <= 0)
			continue;
		idx[n] = (int)i;
		first[n] = f;
		hi[n] = room;
		/* Larger projects pay more; a quarter pays nothing. */
		w[n] = demo_chance(&d->rng, 25) ? 0 : (p->signing / 100 + 1) *
		    demo_range(&d->rng, 1, 100);
		n++;
	}
	if (demo_split(&d->rng, amount, n, g->total, 0, hi, w, 10) == -1) {
		d->h->log(BUREAU_LOG_ERR, "demo: cannot place %lld of paid-in "
		    "in %d over %zu projects", (long long)g->total, g->year, n);
		goto done;
	}
	for (i = 0; i < n; i++)
		if (amount[i] > 0 && demo_payment_rows(d, &d->p[idx[i]],
		    amount[i], first[i], g->last, g->year) == -1)
			goto done;
	rc = 0;
done:
	free(amount);
	free(hi);
	free(w);
	free(idx);
	free(first);
	return rc;
}

/* ---- amendments ---------------------------------------------------------- */

static int
demo_amendments(struct demo *d, int year, size_t count, int64_t total)
{
	int64_t amount[N21_AMEND > N20_AMEND ? N21_AMEND : N20_AMEND];
	int64_t w[sizeof(amount) / sizeof(amount[0])];
	int64_t hi[sizeof(amount) / sizeof(amount[0])];
	struct demo_project *p;
	int *v, first, last;
	size_t n, i;

	if (count > sizeof(amount) / sizeof(amount[0]))
		return -1;
	if ((v = demo_select(d, pred_amend, &year, &n)) == NULL)
		return -1;
	if (n < count) {
		free(v);
		return -1;
	}
	for (i = 0; i < count; i++) {
		w[i] = demo_range(&d->rng, 1, 100);
		hi[i] = year == 2021 ? 300000 : 200000;
	}
	if (demo_split(&d->rng, amount, count, total, 5000, hi, w, 100) == -1)
		goto fail;
	last = demo_min(d->end, demo_day(year, 12, 30));
	for (i = 0; i < count; i++) {
		p = &d->p[v[i]];
		first = demo_max(p->sign_day + 30, demo_day(year, 1, 4));
		if (demo_contract_row(d, p->id, "amendment",
		    (int)demo_range(&d->rng, first, last), amount[i],
		    "演示数据：增资协议 (demo capital increase)") == -1)
			goto fail;
	}
	free(v);
	return 0;
fail:
	free(v);
	return -1;
}

/* ---- problems ------------------------------------------------------------ */

static const char *const demo_problem_text[6][2] = {
	{ "环评批复进度滞后，需协调生态环境部门加快审批",
	  "排污总量指标尚未落实" },
	{ "项目能耗指标不足，需申请市级统筹",
	  "用电增容方案待供电公司确认" },
	{ "项目用地指标未落实，需协调规划和自然资源部门",
	  "土地征收和房屋搬迁进度滞后" },
	{ "高端技术人才引进困难，需落实人才公寓和子女入学",
	  "一线产业工人招工缺口较大" },
	{ "项目融资渠道受阻，需协调银行授信",
	  "配套资金未按期到位" },
	{ "施工许可手续办理进度慢", "配套道路和管网建设滞后" },
};

static const char *const demo_problem_fix[6] = {
	"已协调生态环境部门并联审批，环评已批复",
	"已纳入市级能耗指标统筹，供电增容完成",
	"已调整用地规划，供地手续办结",
	"已落实人才公寓和子女入学，招工对接会已召开",
	"已协调银行完成授信，配套资金到位",
	"已召开协调会，手续办结、配套工程完工",
};

static int
demo_problems(struct demo *d)
{
	static const char *const statuses[] = { "open", "in_progress",
	    "resolved", "resolved" };
	sqlite3_stmt *st;
	struct demo_project *p;
	unsigned without = 0;
	const char *status, *esc, *owner;
	char opened[11], resolved[11], stamp[21], stamp2[21];
	int *v, o, r;
	size_t n, i, k = 0;
	int64_t x;

	if ((v = demo_select(d, pred_signed_active, &without, &n)) == NULL)
		return -1;
	if ((st = d->h->db_prepare(d->req, "INSERT INTO project_problems("
	    "project_id, category, description, owner, status, opened_on,"
	    " resolved_on, escalation, resolution, created_at, updated_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")) ==
	    NULL)
		goto fail;
	for (i = 0; i < N_PROBLEMS && k < n; k++) {
		p = &d->p[v[k]];
		o = p->sign_day + (int)demo_range(&d->rng, 10, 500);
		if (o > d->end - 10)
			continue;
		/* Categories cycle; statuses cycle more slowly, so every
		 * category has open and resolved ones (F17). */
		status = statuses[(i / 6) % 4];
		r = 0;
		if (strcmp(status, "resolved") == 0) {
			r = o + (int)demo_range(&d->rng, 7, 180);
			if (r > d->end) {
				r = 0;
				status = "in_progress";
			}
		}
		x = demo_range(&d->rng, 0, 99);
		esc = x < 50 ? "district" : x < 85 ? "bureau" : "municipal";
		owner = strcmp(esc, "district") == 0 ?
		    "区县招商部门（演示）" : strcmp(esc, "bureau") == 0 ?
		    "市招商投资促进局项目服务处（演示）" :
		    "市政府协调专班（演示）";
		demo_date(o, opened);
		demo_stamp(o, stamp);
		demo_stamp(r ? r : o, stamp2);
		sqlite3_bind_int64(st, 1, p->id);
		sqlite3_bind_text(st, 2, projects_problem_categories[i % 6], -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 3, demo_problem_text[i % 6][(i / 24) % 2],
		    -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, owner, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, status, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 6, opened, -1, SQLITE_TRANSIENT);
		if (r) {
			demo_date(r, resolved);
			sqlite3_bind_text(st, 7, resolved, -1,
			    SQLITE_TRANSIENT);
			sqlite3_bind_text(st, 9, demo_problem_fix[i % 6], -1,
			    SQLITE_STATIC);
		}
		sqlite3_bind_text(st, 8, esc, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 10, stamp, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 11, stamp2, -1, SQLITE_TRANSIENT);
		if (demo_exec(d, st) == -1)
			goto fail;
		i++;
	}
	free(v);
	return 0;
fail:
	free(v);
	return -1;
}

/* ---- the whole ------------------------------------------------------------ */

static int
demo_build_plan(struct demo *d, struct demo_project **byd,
    struct demo_project **cr)
{
	int y19a = demo_day(2019, 1, 2), y19b = demo_day(2019, 12, 30);
	int y20a = demo_day(2020, 1, 2), y20b = demo_day(2020, 12, 30);
	int y21a = demo_day(2021, 1, 4), y21n = demo_day(2021, 11, 30);
	int y21d = demo_day(2021, 12, 1);
	size_t i, sd_dec = 0, dec = 0;

	if (demo_group(d, 2019, N19_BIG, T19_BIG, BIG_WAN, 3000000, 1, 0,
	    y19a, y19b) == -1 ||
	    demo_group(d, 2019, N19_SMALL, T19_SMALL, 1000, BIG_WAN - 1, 0, 0,
	    y19a, y19b) == -1)
		return -1;
	/* The named two are 2020 big signings: the rest of the group
	 * shares what they leave. */
	*byd = &d->p[d->n++];
	*cr = &d->p[d->n++];
	memset(*byd, 0, sizeof(**byd));
	memset(*cr, 0, sizeof(**cr));
	demo_named(*byd, *cr);
	if (demo_group(d, 2020, N20_BIG - 2, T20_BIG - (*byd)->signing -
	    (*cr)->signing, BIG_WAN, 3000000, 1, 0, y20a, y20b) == -1 ||
	    demo_group(d, 2020, N20_SMALL, T20_SMALL, 1000, BIG_WAN - 1, 0, 0,
	    y20a, y20b) == -1)
		return -1;
	if (demo_group(d, 2021, N21_SD_BIG_JN + N21_SD_BIG_DEC, T21_SD_BIG,
	    BIG_WAN, 400000, 1, F_SHANDONG, y21a, y21n) == -1 ||
	    demo_group(d, 2021, N21_SD_SMALL, T21_SD_SMALL, 5000, BIG_WAN - 1,
	    0, F_SHANDONG, y21a, d->end) == -1 ||
	    demo_group(d, 2021, N21_BIG_JN + N21_BIG_DEC, T21_BIG, BIG_WAN,
	    3000000, 1, 0, y21a, y21n) == -1 ||
	    demo_group(d, 2021, N21_SMALL, T21_SMALL, 1000, BIG_WAN - 1, 0, 0,
	    y21a, d->end) == -1)
		return -1;
	/* Move the December share of the big 2021 signings (F6 counts
	 * January to November only). */
	for (i = 0; i < d->n; i++) {
		struct demo_project *p = &d->p[i];

		if (p->year != 2021 || !(p->flags & F_BIG))
			continue;
		if ((p->flags & F_SHANDONG) && sd_dec < N21_SD_BIG_DEC) {
			sd_dec++;
			p->flags |= F_LATE;
		} else if (!(p->flags & F_SHANDONG) && dec < N21_BIG_DEC) {
			dec++;
			p->flags |= F_LATE;
		}
		if (p->flags & F_LATE)
			p->sign_day = (int)demo_range(&d->rng, y21d, d->end);
	}
	/* Leads and negotiations that never signed (yet). */
	for (i = 0; i < N_UNSIGNED; i++) {
		struct demo_project *p = &d->p[d->n++];

		memset(p, 0, sizeof(*p));
		demo_attrs(d, p, 0, 1);
		if (i < N_UNSIGNED_CANCEL)
			p->flags |= F_CANCEL;
	}
	return 0;
}

static int
demo_cmp_lead(const void *a, const void *b)
{
	const struct demo_project *x = *(const struct demo_project *const *)a;
	const struct demo_project *y = *(const struct demo_project *const *)b;

	if (x->lead_day != y->lead_day)
		return x->lead_day < y->lead_day ? -1 : 1;
	return x < y ? -1 : x > y;
}

static int
demo_write_project(struct demo *d, struct demo_project *p, size_t serial)
{
	static const char *const reason_nego = "演示数据：进入洽谈";
	static const char *const reason = "演示数据";
	sqlite3_stmt *st;
	const char *prev = "lead";
	int y;

	if (demo_project_row(d, p, serial) == -1)
		return -1;
	if (demo_stage_row(d, p->id, NULL, "lead", p->lead_day, reason) == -1)
		return -1;
	if (p->nego_day) {
		if (demo_stage_row(d, p->id, "lead", "negotiating", p->nego_day,
		    reason_nego) == -1)
			return -1;
		prev = "negotiating";
	}
	if (p->year != 0) {
		if (demo_stage_row(d, p->id, prev, "signed", p->sign_day,
		    "演示数据：签约") == -1 ||
		    demo_contract_row(d, p->id, "signing", p->sign_day,
		    p->signing, (p->flags & F_EXPO) ?
		    "演示数据：展会集中签约 (demo expo signing)" :
		    "演示数据：正式签约 (demo signing)") == -1)
			return -1;
		prev = "signed";
	}
	if (p->uc_day) {
		if (demo_stage_row(d, p->id, prev, "under_construction",
		    p->uc_day, "演示数据：开工") == -1)
			return -1;
		prev = "under_construction";
	}
	if (p->io_day) {
		if (demo_stage_row(d, p->id, prev, "in_operation", p->io_day,
		    "演示数据：竣工投产") == -1)
			return -1;
		prev = "in_operation";
	}
	if (p->cancel_day && demo_stage_row(d, p->id, prev, "cancelled",
	    p->cancel_day, "演示数据：投资方终止合作") == -1)
		return -1;
	if ((st = d->h->db_prepare(d->req, "UPDATE projects SET stage ="
	    " (SELECT to_stage FROM project_stages WHERE project_id = ?1"
	    "  ORDER BY effective_on DESC, id DESC LIMIT 1) WHERE id = ?1")) ==
	    NULL)
		return -1;
	sqlite3_bind_int64(st, 1, p->id);
	if (demo_exec(d, st) == -1)
		return -1;
	if ((st = d->h->db_prepare(d->req, "INSERT INTO project_key_levels("
	    "project_id, year, level) VALUES (?1, ?2, ?3)")) == NULL)
		return -1;
	for (y = 2019; y <= 2021; y++) {
		unsigned m = y == 2019 ? F_KEY19 : y == 2020 ? F_KEY20 : F_KEY21;
		unsigned dm = y == 2020 ? F_DKEY20 : y == 2021 ? F_DKEY21 : 0;

		if (!(p->flags & (m | dm)))
			continue;
		sqlite3_bind_int64(st, 1, p->id);
		sqlite3_bind_int(st, 2, y);
		sqlite3_bind_text(st, 3, (p->flags & m) ? "municipal" :
		    "district", -1, SQLITE_STATIC);
		if (demo_exec(d, st) == -1)
			return -1;
	}
	return 0;
}

static int
demo_officers(struct demo *d)
{
	sqlite3_stmt *st;
	int rc;

	/* Officers, if the staff accounts exist already; else none. */
	if ((st = d->h->db_prepare(d->req, "SELECT id FROM users WHERE role ="
	    " 'officer' AND active = 1 ORDER BY id LIMIT 16")) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		d->officers[d->nofficers++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

static int
demo_targets(struct demo *d)
{
	static const int64_t t[3][3] = {
		{ 2019, 120000000, 23000000 },
		{ 2020, 140000000, 28000000 },
		{ 2021, 160000000, 33000000 },	/* F5: below F1, F2 */
	};
	sqlite3_stmt *st;
	size_t i;

	/* A target someone set already wins over the demo's. */
	if ((st = d->h->db_prepare(d->req, "INSERT INTO project_targets(year,"
	    " district, contracted_wan, paid_in_wan) VALUES (?1, '', ?2, ?3)"
	    " ON CONFLICT (year, district) DO NOTHING")) == NULL)
		return -1;
	for (i = 0; i < 3; i++) {
		sqlite3_bind_int64(st, 1, t[i][0]);
		sqlite3_bind_int64(st, 2, t[i][1]);
		sqlite3_bind_int64(st, 3, t[i][2]);
		if (demo_exec(d, st) == -1)
			return -1;
	}
	return 0;
}

int
projects_demo(struct bureau_req *req, void *state)
{
	const struct projects_state *ps = state;
	struct demo d;
	struct demo_project *byd = NULL, *cr = NULL, **order = NULL;
	json_t *summary;
	size_t i;
	int rc = -1;
	struct pay_group g;

	memset(&d, 0, sizeof(d));
	d.h = ps->host;
	d.req = req;
	d.rng.s = 20211230;	/* the press conference */
	d.end = demo_day(2021, 12, 30);
	if ((d.p = calloc(N_TOTAL, sizeof(*d.p))) == NULL ||
	    (order = calloc(N_TOTAL, sizeof(*order))) == NULL)
		goto done;

	/* The plan, in memory. */
	if (demo_build_plan(&d, &byd, &cr) == -1 ||
	    demo_expos(&d) == -1 ||
	    demo_cancellations(&d) == -1 ||
	    demo_keys(&d, byd, cr) == -1)
		goto done;
	demo_stages(&d);
	if (demo_officers(&d) == -1 || demo_district_names(&d) == -1)
		goto done;

	/* Projects in the order they were first recorded, so ids grow with
	 * time as they would have. */
	for (i = 0; i < d.n; i++)
		order[i] = &d.p[i];
	qsort(order, d.n, sizeof(*order), demo_cmp_lead);
	for (i = 0; i < d.n; i++)
		if (demo_write_project(&d, order[i], i + 1) == -1)
			goto done;

	/* Capital increases: 2020 on 2019 projects, 2021 on 2019/2020. */
	if (demo_amendments(&d, 2020, N20_AMEND, T20_AMEND) == -1 ||
	    demo_amendments(&d, 2021, N21_AMEND, T21_AMEND) == -1)
		goto done;

	/* Paid-in, year by year (caps depend on what was paid before). */
	memset(&g, 0, sizeof(g));
	g.year = 2019;
	g.total = P19;
	g.first = demo_day(2019, 1, 2);
	g.last = demo_day(2019, 12, 30);
	g.cap_pct = 30;
	if (demo_payments(&d, &g) == -1)
		goto done;
	g.year = 2020;
	g.total = P20;
	g.first = demo_day(2020, 1, 2);
	g.last = demo_day(2020, 12, 30);
	if (demo_payments(&d, &g) == -1)
		goto done;
	g.year = 2021;
	g.cap_pct = 0;
	g.total = P21_KEY_JN;			/* F9 */
	g.need = F_KEY21;
	g.first = demo_day(2021, 1, 4);
	g.last = demo_day(2021, 11, 30);
	if (demo_payments(&d, &g) == -1)
		goto done;
	g.total = P21_KEY_DEC;
	g.first = demo_day(2021, 12, 1);
	g.last = d.end;
	if (demo_payments(&d, &g) == -1)
		goto done;
	g.total = P21_OTHER;
	g.need = 0;
	g.without = F_KEY21;
	g.first = demo_day(2021, 1, 4);
	if (demo_payments(&d, &g) == -1)
		goto done;

	if (demo_problems(&d) == -1 || demo_targets(&d) == -1)
		goto done;

	/* What the API's writes maintain: caches, search, roll-ups. */
	for (i = 0; i < d.n; i++)
		if (ledger_refresh(d.h, req, d.p[i].id) == -1 ||
		    search_index(d.h, req, d.p[i].id) == -1)
			goto done;
	if (report_rollup_rebuild(d.h, req) == -1)
		goto done;

	summary = json_pack("{s:I, s:I, s:I, s:I, s:s}",
	    "projects", (json_int_t)d.n,
	    "contract_entries", (json_int_t)d.ncontracts,
	    "payments", (json_int_t)d.npayments,
	    "stage_entries", (json_int_t)d.nstages,
	    "as_of", END_DATE);
	if (summary == NULL)
		goto done;
	rc = d.h->audit(req, "projects.demo_load", "project", 0, NULL,
	    summary);
	json_decref(summary);
	if (rc != 0) {
		rc = -1;
		goto done;
	}
	d.h->log(BUREAU_LOG_INFO, "demo: %zu projects, %zu contract entries, "
	    "%zu payments, %zu stage entries", d.n, d.ncontracts,
	    d.npayments, d.nstages);
	rc = 0;
done:
	if (rc != 0)
		d.h->log(BUREAU_LOG_ERR, "demo: the projects dataset could not "
		    "be generated");
	free(order);
	free(d.p);
	return rc;
}
