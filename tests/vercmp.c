/*
 * vercmp: a test helper that runs the version module over lines of stdin,
 * so that shell tests can hold its answers against rpm and dpkg.
 *
 *   vercmp rpm       "A B" per line: full [E:]V[-R] strings, split with
 *                    jp_rpm_evr_split() and ordered by jp_rpm_evrcmp()
 *   vercmp rpmver    "A B" per line: plain jp_rpm_vercmp()
 *   vercmp deb       "A B" per line: jp_deb_vercmp()
 *   vercmp debcheck  one version per line: "ok" or jp_deb_version_check()'s
 *                    message
 *
 * The comparing modes print -1, 0 or 1 per line.  A line holding a tab is
 * split at its first tab, so that either side may be empty or hold blanks;
 * otherwise it is split at its first run of spaces.
 * Exit status: 0 done, 1 bad input line, 2 usage.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "version.h"

enum mode { M_RPM, M_RPMVER, M_DEB, M_DEBCHECK };

static int
sign(int c)
{
	return (c > 0) - (c < 0);
}

static int
compare(enum mode mode, char *a, char *b)
{
	const char *ea, *va, *ra, *eb, *vb, *rb;

	switch (mode) {
	case M_RPM:
		jp_rpm_evr_split(a, &ea, &va, &ra);
		jp_rpm_evr_split(b, &eb, &vb, &rb);
		return jp_rpm_evrcmp(ea, va, ra, eb, vb, rb);
	case M_RPMVER:
		return jp_rpm_vercmp(a, b);
	default:
		return jp_deb_vercmp(a, b);
	}
}

int
main(int argc, char **argv)
{
	enum mode mode;
	char *line = NULL, *a, *b;
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int rc = 0;

	if (argc != 2)
		goto usage;
	if (strcmp(argv[1], "rpm") == 0)
		mode = M_RPM;
	else if (strcmp(argv[1], "rpmver") == 0)
		mode = M_RPMVER;
	else if (strcmp(argv[1], "deb") == 0)
		mode = M_DEB;
	else if (strcmp(argv[1], "debcheck") == 0)
		mode = M_DEBCHECK;
	else
		goto usage;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		lineno++;
		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (mode == M_DEBCHECK) {
			const char *msg = jp_deb_version_check(line);

			printf("%s\n", msg ? msg : "ok");
			continue;
		}
		a = line;
		if ((b = strchr(line, '\t')) != NULL) {
			*b++ = '\0';
		} else if ((b = strchr(line, ' ')) != NULL) {
			*b++ = '\0';
			while (*b == ' ')
				b++;
		} else {
			fprintf(stderr, "vercmp: line %zu: "
			    "expected two versions\n", lineno);
			rc = 1;
			break;
		}
		printf("%d\n", sign(compare(mode, a, b)));
	}
	free(line);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("vercmp: stdout");
		rc = 1;
	}
	return rc;
usage:
	fprintf(stderr, "usage: vercmp rpm|rpmver|deb|debcheck < input\n");
	return 2;
}
