/*
 * masim-guest: a small static memory-access workload for the damon-ts qemu guest.
 * It reads a masim-format configuration and runs it with masim's semantics
 * (formats.md §5.2), written from that description:
 *   - paragraph 1: regions, "name, size_bytes[, init_data_file]";
 *   - next paragraphs: phases, "name" / "duration_ms" / patterns
 *     "region, random(0|1), stride_bytes, probability[, ro|wo|rw]" (default wo);
 *   - per pick: r = rand % sum(prob) selects a pattern, which performs
 *     131,072 byte accesses; random patterns use random offsets, sequential ones
 *     advance by the stride, wrap at the end and keep their offset across picks
 *     and phases; a phase runs until its wall time has elapsed.
 * Unlike masim it reports malformed input instead of crashing, and it prints where
 * each region lives so the host can find it in DAMON's snapshots:
 *   DTS-REGION <name> <start> <end>
 *   DTS-PHASE <index> <CLOCK_MONOTONIC ns> <name>
 *   DTS-WORKLOAD-DONE <CLOCK_MONOTONIC ns>
 *
 * Usage: masim-guest CONFIG [REPEAT]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define ACCESSES_PER_PICK 131072
#define MAX_ITEMS 256
#define MAX_LINE 1024

struct region {
	char name[256];
	size_t size;
	unsigned char *mem;
	size_t seq_offset; /* kept across picks and phases */
};

enum mode { MODE_RO, MODE_WO, MODE_RW };

struct pattern {
	int region;
	int random;
	size_t stride;
	unsigned prob;
	enum mode mode;
};

struct phase {
	char name[256];
	long duration_ms;
	struct pattern pats[MAX_ITEMS];
	int nr_pats;
};

static struct region regions[MAX_ITEMS];
static int nr_regions;
static struct phase *phases;
static int nr_phases;

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rand64(void)
{
	/* xorshift64*: fast and good enough for picking offsets */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void die(const char *file, int line, const char *msg)
{
	fprintf(stderr, "masim-guest: %s:%d: %s\n", file, line, msg);
	exit(2);
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* Splits on commas; returns the number of fields (trimmed). */
static int split(char *line, char **fields, int max)
{
	int n = 0;
	char *p = line;

	while (n < max) {
		char *c = strchr(p, ',');

		if (c)
			*c = '\0';
		fields[n++] = trim(p);
		if (!c)
			break;
		p = c + 1;
	}
	return n;
}

static int find_region(const char *name)
{
	for (int i = 0; i < nr_regions; i++)
		if (!strcmp(regions[i].name, name))
			return i;
	return -1;
}

static void parse(const char *file)
{
	FILE *f = fopen(file, "r");
	char buf[MAX_LINE];
	int lineno = 0, paragraph = 0, in_para = 0, phase_line = 0;
	struct phase *ph = NULL;

	if (!f) {
		fprintf(stderr, "masim-guest: %s: %s\n", file, strerror(errno));
		exit(2);
	}
	phases = calloc(MAX_ITEMS, sizeof(*phases));
	if (!phases)
		die(file, 0, "out of memory");
	while (fgets(buf, sizeof(buf), f)) {
		char *line, *fields[8];
		int n;

		lineno++;
		if (buf[0] == '#')
			continue;
		line = trim(buf);
		if (*line == '\0') {
			if (in_para) {
				if (ph && phase_line < 3)
					die(file, lineno, "a phase needs a name, a duration and at least one pattern");
				paragraph++;
				in_para = 0;
			}
			continue;
		}
		if (!in_para) {
			in_para = 1;
			phase_line = 0;
			if (paragraph > 0) {
				if (nr_phases == MAX_ITEMS)
					die(file, lineno, "too many phases");
				ph = &phases[nr_phases++];
			}
		}
		if (paragraph == 0) {
			struct region *r;

			n = split(line, fields, 8);
			if (n < 2 || n > 3)
				die(file, lineno, "a region line is 'name, size_bytes[, init_data_file]'");
			if (nr_regions == MAX_ITEMS)
				die(file, lineno, "too many regions");
			r = &regions[nr_regions++];
			snprintf(r->name, sizeof(r->name), "%s", fields[0]);
			r->size = strtoull(fields[1], NULL, 10);
			if (r->size == 0)
				die(file, lineno, "region size must be a positive number of bytes");
			r->mem = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			if (r->mem == MAP_FAILED)
				die(file, lineno, "cannot allocate the region");
			if (n == 3 && strcmp(fields[2], "none")) {
				int fd = open(fields[2], O_RDONLY);
				size_t done = 0;

				if (fd < 0)
					die(file, lineno, "cannot open the init data file");
				while (done < r->size) {
					ssize_t got = read(fd, r->mem + done, r->size - done);

					if (got <= 0)
						break; /* a short file leaves the rest zero */
					done += got;
				}
				close(fd);
			}
			continue;
		}
		phase_line++;
		if (phase_line == 1) {
			snprintf(ph->name, sizeof(ph->name), "%s", line);
		} else if (phase_line == 2) {
			char *end;

			ph->duration_ms = strtol(line, &end, 10);
			if (end == line || ph->duration_ms < 0)
				die(file, lineno, "the second line of a phase is its duration in ms");
		} else {
			struct pattern *p;

			n = split(line, fields, 8);
			if (n < 4 || n > 5)
				die(file, lineno, "a pattern line is 'region, random, stride, probability[, ro|wo|rw]'");
			if (ph->nr_pats == MAX_ITEMS)
				die(file, lineno, "too many patterns");
			p = &ph->pats[ph->nr_pats++];
			p->region = find_region(fields[0]);
			if (p->region < 0)
				die(file, lineno, "unknown region name");
			p->random = atoi(fields[1]);
			p->stride = strtoull(fields[2], NULL, 10);
			p->prob = (unsigned)atoi(fields[3]);
			p->mode = MODE_WO;
			if (n == 5) {
				if (!strcmp(fields[4], "ro"))
					p->mode = MODE_RO;
				else if (!strcmp(fields[4], "rw"))
					p->mode = MODE_RW;
				else if (strcmp(fields[4], "wo"))
					die(file, lineno, "access mode must be ro, wo or rw");
			}
			if (!p->random && p->stride == 0)
				die(file, lineno, "a sequential pattern needs a stride above 0");
		}
	}
	if (in_para && ph && phase_line < 3)
		die(file, lineno, "a phase needs a name, a duration and at least one pattern");
	fclose(f);
	if (nr_regions == 0)
		die(file, lineno, "no regions");
}

static volatile unsigned char sink;

static void run_pattern(struct pattern *p)
{
	struct region *r = &regions[p->region];

	for (int i = 0; i < ACCESSES_PER_PICK; i++) {
		size_t off;

		if (p->random) {
			off = rand64() % r->size;
		} else {
			off = r->seq_offset;
			r->seq_offset += p->stride;
			if (r->seq_offset >= r->size)
				r->seq_offset = 0;
		}
		switch (p->mode) {
		case MODE_RO:
			sink = ((volatile unsigned char *)r->mem)[off];
			break;
		case MODE_WO:
			((volatile unsigned char *)r->mem)[off] = 1;
			break;
		case MODE_RW:
			((volatile unsigned char *)r->mem)[off] += 1;
			break;
		}
	}
}

static void run_phase(struct phase *ph)
{
	uint64_t end = now_ns() + (uint64_t)ph->duration_ms * 1000000ULL;
	unsigned total = 0;

	for (int i = 0; i < ph->nr_pats; i++)
		total += ph->pats[i].prob;
	while (now_ns() < end) {
		unsigned r, acc = 0;

		if (total == 0) {
			usleep(1000);
			continue;
		}
		r = (unsigned)(rand64() % total);
		for (int i = 0; i < ph->nr_pats; i++) {
			acc += ph->pats[i].prob;
			if (r < acc) {
				run_pattern(&ph->pats[i]);
				break;
			}
		}
	}
}

int main(int argc, char **argv)
{
	int repeat = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: masim-guest CONFIG [REPEAT]\n");
		return 2;
	}
	if (argc > 2)
		repeat = atoi(argv[2]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	parse(argv[1]);
	for (int i = 0; i < nr_regions; i++)
		printf("DTS-REGION %s %lu %lu\n", regions[i].name, (unsigned long)regions[i].mem,
		       (unsigned long)(regions[i].mem + regions[i].size));
	for (int k = 0; k < repeat; k++) {
		for (int i = 0; i < nr_phases; i++) {
			printf("DTS-PHASE %d %llu %s\n", i, (unsigned long long)now_ns(), phases[i].name);
			run_phase(&phases[i]);
		}
	}
	printf("DTS-WORKLOAD-DONE %llu\n", (unsigned long long)now_ns());
	return 0;
}
