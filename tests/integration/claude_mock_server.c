/* The Messages API mock (claudemock.c) as a process of its own, for shell
 * tests with several runner processes (test_multihost.sh):
 *   claude_mock_server KEY
 * prints its URL on the first line, serves until its stdin closes, then
 * prints "requests N invalid M" and exits. */
#include "claudemock.h"

#include <stdio.h>

int
main (int argc, char **argv)
{
  ClaudeMock *m;
  gchar *url, buf[64];

  if (argc != 2) {
    g_printerr ("usage: claude_mock_server API_KEY\n");
    return 2;
  }
  m = claude_mock_new (argv[1]);
  url = claude_mock_url (m);
  printf ("%s\n", url);
  fflush (stdout);
  while (fread (buf, 1, sizeof (buf), stdin) > 0)
    ;
  printf ("requests %u invalid %u\n", claude_mock_requests (m),
      claude_mock_invalid (m));
  fflush (stdout);
  claude_mock_free (m);
  g_free (url);
  return 0;
}
