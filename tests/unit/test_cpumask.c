/*
 * test_cpumask.c - cpulist formatting and parsing edge cases.
 */
#include "fake.h"

static void
fmt_case(const char *name, const uint64_t *w, unsigned nbits, const char *want)
{
	char buf[256];

	mma_cpulist_format(w, nbits, buf, sizeof(buf));
	CHECK_EQ_STR(name, buf, want);
}

static void
roundtrip(const char *list, unsigned nbits)
{
	uint64_t w[4];
	char buf[256], name[128];
	int rc = mma_cpulist_parse(list, w, 4);

	snprintf(name, sizeof(name), "roundtrip \"%s\"", list);
	mma_cpulist_format(w, nbits, buf, sizeof(buf));
	check(rc == 0 && !strcmp(buf, list), name, "rc %d, got \"%s\"", rc, buf);
}

int
main(void)
{
	uint64_t w[4] = { 0 };
	uint64_t seed[80];
	char small[8];
	size_t need;

	fmt_case("empty mask", w, 256, "");
	w[0] = 1;
	fmt_case("single cpu 0", w, 256, "0");
	w[0] = 0xf | (1ULL << 49);
	fmt_case("range and single", w, 256, "0-3,49");
	w[0] = 0x5;
	fmt_case("two singles", w, 256, "0,2");
	w[0] = 0x3;
	fmt_case("pair is a range", w, 256, "0-1");

	/* a run crossing the word boundary */
	w[0] = 0xc000000000000000ULL;
	w[1] = 0x3;
	fmt_case("range across words", w, 256, "62-65");
	w[0] = 0; w[1] = 0; w[2] = 1ULL << 63; w[3] = 1;
	fmt_case("multiword", w, 256, "191-192");

	/* bits beyond nbits are ignored */
	w[0] = 0xff; w[1] = w[2] = w[3] = 0;
	fmt_case("bits beyond nr_cpu_ids ignored", w, 4, "0-3");
	w[0] = 0x30;
	fmt_case("only beyond: empty", w, 4, "");
	w[0] = ~0ULL; w[1] = ~0ULL;
	fmt_case("full 72", w, 72, "0-71");
	fmt_case("full 64", w, 64, "0-63");

	/* weight respects nbits */
	w[0] = 0xff;
	CHECK_EQ_INT("weight within nbits", mma_bit_weight(w, 4), 4);
	CHECK_EQ_INT("weight all", mma_bit_weight(w, 64), 8);
	CHECK_EQ_INT("bit_next from 3", mma_bit_next(w, 64, 3), 3);
	CHECK_EQ_INT("bit_next none", mma_bit_next(w, 64, 8), -1);
	CHECK_EQ_INT("bit_next respects nbits", mma_bit_next(w, 4, 4), -1);

	/* seed 001: 80 words, word 0 = 0x2000000000000 -> CPU 49 */
	memset(seed, 0, sizeof(seed));
	seed[0] = 0x2000000000000ULL;
	{
		char buf[64];

		mma_cpulist_format(seed, 80 * 64, buf, sizeof(buf));
		CHECK_EQ_STR("seed 001 word decodes to CPU 49", buf, "49");
	}

	/* truncation keeps a terminated prefix and reports the need */
	w[0] = 0x5555; w[1] = 0;
	need = mma_cpulist_format(w, 64, small, sizeof(small));
	check(need == strlen("0,2,4,6,8,10,12,14") && strlen(small) == 7,
	      "truncated format", "need %zu, got \"%s\"", need, small);

	/* parsing */
	CHECK_EQ_INT("parse empty", mma_cpulist_parse("", w, 4), 0);
	CHECK_EQ_INT("parse empty gives zero", w[0] | w[1] | w[2] | w[3], 0);
	CHECK_EQ_INT("parse spaces", mma_cpulist_parse(" 0 - 3 , 49 ", w, 4), 0);
	CHECK_EQ_INT("parse spaces value", w[0], 0xf | (1ULL << 49));
	CHECK_EQ_INT("parse reversed range", mma_cpulist_parse("3-1", w, 4), -1);
	CHECK_EQ_INT("parse garbage", mma_cpulist_parse("a", w, 4), -1);
	CHECK_EQ_INT("parse trailing comma", mma_cpulist_parse("1,", w, 4), -1);
	CHECK_EQ_INT("parse too big", mma_cpulist_parse("256", w, 4), -1);
	CHECK_EQ_INT("parse last bit", mma_cpulist_parse("255", w, 4), 0);
	CHECK_EQ_INT("parse last bit value", w[3], 1ULL << 63);
	CHECK_EQ_INT("parse NULL", mma_cpulist_parse(NULL, w, 4), -1);
	roundtrip("0", 256);
	roundtrip("0-3,49", 256);
	roundtrip("1,3,5-7,63-64,200-255", 256);
	roundtrip("", 256);
	return t_done();
}
