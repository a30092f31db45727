/*
 * exitcode.h: the exit statuses of every jprepo command.
 *
 * One table for the whole program; each man page's EXIT STATUS section
 * documents these values.  Only main() chooses the status.
 */
#ifndef JP_EXITCODE_H
#define JP_EXITCODE_H

#define JP_EXIT_OK       0  /* everything asked for was done */
#define JP_EXIT_PARTIAL  1  /* the run finished, but some items failed */
#define JP_EXIT_USAGE    2  /* bad command line: nothing was done */
#define JP_EXIT_FAILURE  3  /* the run stopped; existing data left as it was */
#define JP_EXIT_BUSY     4  /* another jprepo holds the lock */

#endif
