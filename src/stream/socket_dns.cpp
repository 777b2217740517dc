// bufferevent_socket_connect_hostname without evdns: numeric addresses are
// parsed at once; names are resolved by getaddrinfo on a helper thread whose
// answer wakes the loop through a pipe, so the loop never blocks on DNS.
#include <event2/util.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <system_error>
#include <thread>

#include "stream/socket_bev.hpp"
#include "util/log.hpp"

namespace eventide::detail {

// One lookup in flight. The helper thread fills result/ai and writes a byte
// to the pipe as its very last action; from then on only the loop touches it.
struct DnsJob {
  std::string host;
  std::string port;
  evutil_addrinfo hints{};
  int result = 0;
  evutil_addrinfo *ai = nullptr;
  int rfd = -1;
  int wfd = -1;
  bool cancelled = false;
  // Read end of the pipe: the answer is in. Here rather than in SocketBev so
  // a bufferevent that never looks a name up does not carry 120 bytes for it.
  struct event ev {};
};

namespace {

void job_free(DnsJob *job) {
  if (job->ai) evutil_freeaddrinfo(job->ai);
  if (job->rfd >= 0) close(job->rfd);
  if (job->wfd >= 0) close(job->wfd);
  delete job;
}

// Connects to the first address, reporting failure as libevent does.
void connect_first(SocketBev *s, const evutil_addrinfo *ai) {
  if (socket_bev_connect(s, ai->ai_addr, static_cast<int>(ai->ai_addrlen)) < 0)
    bev_run_eventcb(s, BEV_EVENT_ERROR, 0);
}

void dns_done(evutil_socket_t, short, void *arg) {
  auto *s = static_cast<SocketBev *>(arg);
  Bev *b = s;
  bev_lock(b);
  DnsJob *job = s->dns;
  s->dns = nullptr;
  bev_unsuspend_write(b, kSuspendLookup);
  bev_unsuspend_read(b, kSuspendLookup);
  if (job->cancelled) {
    s->dns_error = EVUTIL_EAI_CANCEL;
  } else if (job->result != 0) {
    s->dns_error = job->result;
    bev_run_eventcb(b, BEV_EVENT_ERROR, 0);
  } else {
    connect_first(s, job->ai);
  }
  job_free(job);             // its event has fired and is not pending: the loop is done with it
  bev_decref_and_unlock(b);  // the lookup's reference
}

void resolve(DnsJob *job) {
  job->result = evutil_getaddrinfo(job->host.c_str(), job->port.c_str(), &job->hints, &job->ai);
  const char one = 1;
  ssize_t r;
  do {
    r = write(job->wfd, &one, 1);
  } while (r < 0 && errno == EINTR);
}

}  // namespace

int socket_bev_connect_hostname(SocketBev *s, int family, const char *host, int port) {
  Bev *b = s;
  BevGuard g(b);
  s->dns_error = 0;
  std::string name(host);
  if (name.size() > 2 && name.front() == '[' && name.back() == ']')
    name = name.substr(1, name.size() - 2);
  char portbuf[16];
  std::snprintf(portbuf, sizeof portbuf, "%d", port);
  evutil_addrinfo hints{};
  hints.ai_family = family;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_protocol = IPPROTO_TCP;

  // An address literal needs no lookup: connect now.
  evutil_addrinfo numeric = hints;
  numeric.ai_flags = EVUTIL_AI_NUMERICHOST | EVUTIL_AI_NUMERICSERV;
  evutil_addrinfo *ai = nullptr;
  if (evutil_getaddrinfo(name.c_str(), portbuf, &numeric, &ai) == 0 && ai) {
    connect_first(s, ai);
    evutil_freeaddrinfo(ai);
    return 0;
  }

  auto *job = new (std::nothrow) DnsJob;
  if (!job) {
    log(kLogWarn, "bufferevent_socket_connect_hostname: out of memory");
    return -1;
  }
  job->host = std::move(name);
  job->port = portbuf;
  job->hints = hints;
  int fds[2];
  if (pipe(fds) < 0) {
    log_errno(kLogWarn, "bufferevent_socket_connect_hostname: cannot make a wake-up pipe");
    job_free(job);
    return -1;
  }
  job->rfd = fds[0];
  job->wfd = fds[1];
  fcntl(job->rfd, F_SETFD, FD_CLOEXEC);
  fcntl(job->wfd, F_SETFD, FD_CLOEXEC);
  event_assign(&job->ev, b->pub.ev_base, job->rfd, EV_READ | EV_FINALIZE, dns_done, s);
  if (event_add(&job->ev, nullptr) < 0) {
    job_free(job);
    return -1;
  }
  try {
    std::thread(resolve, job).detach();
  } catch (const std::system_error &e) {
    log(kLogWarn, "bufferevent_socket_connect_hostname: cannot start a resolver thread: %s",
        e.what());
    event_del(&job->ev);
    job_free(job);
    return -1;
  }
  s->dns = job;
  bev_suspend_write(b, kSuspendLookup);
  bev_suspend_read(b, kSuspendLookup);
  ++b->refcnt;  // held until dns_done
  return 0;
}

void socket_dns_cancel(SocketBev *s) {
  // getaddrinfo cannot be interrupted: its answer is dropped when it comes.
  if (s->dns) s->dns->cancelled = true;
}

}  // namespace eventide::detail
