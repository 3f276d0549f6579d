/*
 * cpumask.c - bitmap helpers and the cpulist format ("0-3,49") used by the
 * kernel's cpulist_scnprintf()/%*pbl and /sys/devices/system/cpu/online.
 *
 * Masks are arrays of 64-bit words, CPU n is bit (n % 64) of word n / 64
 * (x86_64 is little-endian with BITS_PER_LONG 64).  Only the first nbits
 * bits are considered: the kernel documents that only nr_cpu_ids bits of a
 * cpumask are valid (include/linux/cpumask.h), and mm_cpumask() of a
 * dynamically allocated mm_struct is only cpumask_size() bytes long.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mmcore.h"

/**
 * mma_bit_test - test a bit; bits beyond the array read as 0
 */
int
mma_bit_test(const uint64_t *w, unsigned nwords, unsigned bit)
{
	if (!w || bit / MMA_BITS_PER_LONG >= nwords)
		return 0;
	return (w[bit / MMA_BITS_PER_LONG] >> (bit % MMA_BITS_PER_LONG)) & 1;
}

/**
 * mma_bit_next - first set bit >= from and < nbits, or -1
 */
int
mma_bit_next(const uint64_t *w, unsigned nbits, unsigned from)
{
	unsigned i;

	if (!w)
		return -1;
	for (i = from; i < nbits; ) {
		uint64_t word = w[i / MMA_BITS_PER_LONG] >> (i % MMA_BITS_PER_LONG);

		if (!word) {
			/* skip to the next word */
			i = (i / MMA_BITS_PER_LONG + 1) * MMA_BITS_PER_LONG;
			continue;
		}
		i += (unsigned)__builtin_ctzll(word);
		return i < nbits ? (int)i : -1;
	}
	return -1;
}

unsigned
mma_bit_weight(const uint64_t *w, unsigned nbits)
{
	unsigned n = 0, i;

	if (!w)
		return 0;
	for (i = 0; i < nbits / MMA_BITS_PER_LONG; i++)
		n += (unsigned)__builtin_popcountll(w[i]);
	if (nbits % MMA_BITS_PER_LONG) {
		uint64_t last = w[nbits / MMA_BITS_PER_LONG];

		last &= (~0ULL) >> (MMA_BITS_PER_LONG - nbits % MMA_BITS_PER_LONG);
		n += (unsigned)__builtin_popcountll(last);
	}
	return n;
}

/* append to buf, keeping count of what would have been needed */
static void
put(char *buf, size_t len, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (*pos < len) {
		size_t room = len - *pos - 1;
		size_t c = n < room ? n : room;

		memcpy(buf + *pos, s, c);
		buf[*pos + c] = '\0';
	}
	*pos += n;
}

/**
 * mma_cpulist_format - format bits [0, nbits) as a kernel cpulist
 *
 * Runs of two or more CPUs are written "a-b", single CPUs "a", separated by
 * commas.  An empty mask gives "".  Returns the length the full string
 * needs (excluding the NUL); the buffer is always NUL-terminated when
 * len > 0, truncated if too short.
 */
size_t
mma_cpulist_format(const uint64_t *w, unsigned nbits, char *buf, size_t len)
{
	size_t pos = 0;
	int b, first = 1;
	char tmp[32];

	if (len)
		buf[0] = '\0';
	b = mma_bit_next(w, nbits, 0);
	while (b >= 0) {
		int e = b;

		while ((unsigned)e + 1 < nbits && mma_bit_test(w,
		    MMA_BITS_TO_LONGS(nbits), (unsigned)e + 1))
			e++;
		if (e > b)
			snprintf(tmp, sizeof(tmp), "%s%d-%d", first ? "" : ",",
				 b, e);
		else
			snprintf(tmp, sizeof(tmp), "%s%d", first ? "" : ",", b);
		put(buf, len, &pos, tmp);
		first = 0;
		if ((unsigned)e + 1 >= nbits)
			break;
		b = mma_bit_next(w, nbits, (unsigned)e + 1);
	}
	return pos;
}

static const char *
skipws(const char *s)
{
	while (*s && isspace((unsigned char)*s))
		s++;
	return s;
}

static int
parse_num(const char **sp, unsigned long *v)
{
	const char *s = skipws(*sp);
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	if (errno)
		return -1;
	*sp = skipws(end);
	return 0;
}

/**
 * mma_cpulist_parse - parse a cpulist ("0-3,49", "", "5") into words
 *
 * Returns 0, or -1 on a syntax error, a reversed range, or a CPU that does
 * not fit in nwords * 64 bits.  The words are zeroed first.
 */
int
mma_cpulist_parse(const char *s, uint64_t *w, unsigned nwords)
{
	unsigned long a, b, i, nbits = (unsigned long)nwords * MMA_BITS_PER_LONG;

	memset(w, 0, nwords * sizeof(*w));
	if (!s)
		return -1;
	s = skipws(s);
	if (!*s)
		return 0;
	for (;;) {
		if (parse_num(&s, &a))
			return -1;
		b = a;
		if (*s == '-') {
			s++;
			if (parse_num(&s, &b))
				return -1;
		}
		if (b < a || b >= nbits)
			return -1;
		for (i = a; i <= b; i++)
			w[i / MMA_BITS_PER_LONG] |= 1ULL << (i % MMA_BITS_PER_LONG);
		if (!*s)
			return 0;
		if (*s != ',')
			return -1;
		s++;
	}
}
