/*
 * pp.h - things every part of pp shares: the version and the exit statuses.
 *
 * Exit statuses are the same for every tool and are listed in each man page:
 *   0  success
 *   1  bad input or failed processing (a one-line message names the file)
 *   2  usage error (unknown option, missing argument)
 */
#ifndef PP_H
#define PP_H

#define PP_VERSION "0.1.0"

enum pp_exit {
	PP_EXIT_OK = 0,    /* success */
	PP_EXIT_FAIL = 1,  /* bad input, failed processing or failed output */
	PP_EXIT_USAGE = 2, /* bad command line */
};

#endif
