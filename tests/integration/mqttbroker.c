/* See mqttbroker.h. */
#include "mqttbroker.h"

#include <gio/gio.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* used by check tests and by benchmarks (no check run): abort loudly */
#define need(cond, ...)                                                        \
  do {                                                                         \
    if (!(cond))                                                               \
      g_error (__VA_ARGS__);                                                   \
  } while (0)

/* ---- a broker of our own --------------------------------------------------
 */


static gint
free_port (void)
{
  struct sockaddr_in a = { 0 };
  socklen_t len = sizeof (a);
  int fd = socket (AF_INET, SOCK_STREAM, 0);

  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  need (bind (fd, (struct sockaddr *) &a, sizeof (a)) == 0, "bind");
  getsockname (fd, (struct sockaddr *) &a, &len);
  close (fd);
  return ntohs (a.sin_port);
}

static gboolean
port_open (gint port)
{
  struct sockaddr_in a = { 0 };
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  gboolean ok;

  a.sin_family = AF_INET;
  a.sin_port = htons (port);
  a.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  ok = connect (fd, (struct sockaddr *) &a, sizeof (a)) == 0;
  close (fd);
  return ok;
}

void
broker_start (Broker *b)
{
  gchar *argv[] = { (gchar *) "mosquitto", (gchar *) "-c", b->conf, NULL };
  GError *err = NULL;

  need (g_spawn_async (b->dir, argv, NULL,
            G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
            NULL, NULL, &b->pid, &err),
      "mosquitto: %s", err ? err->message : "");
  for (guint i = 0; i < 1000 && !port_open (b->port); i++)
    g_usleep (10 * 1000);
  need (port_open (b->port), "mosquitto did not start");
}

void
broker_stop (Broker *b)
{
  int status;

  if (b->pid <= 0)
    return;
  kill (b->pid, SIGCONT);
  kill (b->pid, SIGTERM);
  waitpid (b->pid, &status, 0);
  g_spawn_close_pid (b->pid);
  b->pid = 0;
}

/* @extra: more configuration lines (a password file...) */
Broker *
broker_new (const gchar *extra)
{
  Broker *b = g_new0 (Broker, 1);
  gchar *text;

  /* a directory of its own: no state of an earlier test's broker */
  b->dir = g_build_filename (
      g_getenv ("AXION_TEST_TMPDIR"), "mqtt-XXXXXX", NULL);
  need (g_mkdtemp (b->dir) != NULL, "mkdtemp");
  b->port = free_port ();
  b->conf = g_build_filename (b->dir, "mosquitto.conf", NULL);
  /* persistence: messages for the test's subscriber survive a restart
   * (SIGTERM saves them); as root, mosquitto must not drop to its user */
  text = g_strdup_printf ("listener %d 127.0.0.1\n"
                          "persistence true\npersistence_location %s/\n"
                          "max_queued_messages 0\n"
                          "%s%s\n",
      b->port, b->dir, geteuid () == 0 ? "user root\n" : "",
      extra ? extra : "allow_anonymous true");
  need (g_file_set_contents (b->conf, text, -1, NULL), "mosquitto.conf");
  g_free (text);
  broker_start (b);
  return b;
}

void
broker_free (Broker *b)
{
  broker_stop (b);
  g_free (b->dir);
  g_free (b->conf);
  g_free (b);
}
