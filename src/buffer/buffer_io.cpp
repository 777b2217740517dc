// Socket I/O. A read is one call (recv, or readv when the last chunk's free
// tail or an expand()ed spare takes part) into a fresh chunk of up to 64 KiB
// from the thread's chunk cache, so one call drains most sockets (libevent
// reads 4096 bytes per call) and large reads are not copied. Writes are one sendmsg(MSG_NOSIGNAL)
// over the chain, or sendfile for file chunks; no SIGPIPE is ever raised.
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "buffer/evbuffer.hpp"
#include "buffer/file_segment.hpp"
#include "util/log.hpp"
#include "util/mem.hpp"

using eventide::detail::Chunk;
using eventide::detail::ChunkKind;
using eventide::detail::kLogWarn;
using eventide::detail::log;

namespace {

constexpr int kMaxWriteIov = 128;
// A read that fills at least 1/kKeepFraction of its fresh chunk keeps it;
// a smaller one is copied into a chunk of its size (at most 8 KiB copied).
constexpr size_t kKeepFraction = 8;

// `nonsock_fd` is the buffer's memory of the last fd found not to be a
// socket: it is written straight away instead of failing a send first.
ssize_t send_chain(int fd, struct iovec *iov, int n, int *nonsock_fd) {
  ssize_t r = -1;
  if (fd != *nonsock_fd) {
    struct msghdr msg {};
    msg.msg_iov = iov;
    msg.msg_iovlen = static_cast<size_t>(n);
    // One piece: send() skips sendmsg's header and iovec import (about 250 ns
    // of a 7 us loopback round trip here).
    do {
      r = n == 1 ? send(fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL)
                 : sendmsg(fd, &msg, MSG_NOSIGNAL);
    } while (r < 0 && errno == EINTR);
    if (r >= 0 || errno != ENOTSOCK) return r;
    *nonsock_fd = fd;
  }
  // A pipe or a file: writev cannot raise SIGPIPE on a socket here.
  do {
    r = writev(fd, iov, n);
  } while (r < 0 && errno == EINTR);
  return r;
}

// sendfile has no MSG_NOSIGNAL: block SIGPIPE in this thread around it and
// swallow the one a broken connection raises.
ssize_t sendfile_nosignal(int out_fd, int in_fd, off_t *off, size_t n) {
  sigset_t pipe_set, old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  ssize_t r;
  do {
    r = sendfile(out_fd, in_fd, off, n);
  } while (r < 0 && errno == EINTR);
  int err = errno;
  if (r < 0 && err == EPIPE && !sigismember(&old, SIGPIPE)) {
    struct timespec zero {};
    sigtimedwait(&pipe_set, nullptr, &zero);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = err;
  return r;
}

}  // namespace

int evbuffer::read(int fd, int howmuch) {
  if (frozen_check_end("evbuffer_read")) return -1;
  if (n_reserved_) release_reservation();
  size_t budget = max_read_;
  if (howmuch >= 0 && static_cast<size_t>(howmuch) < budget) budget = static_cast<size_t>(howmuch);
  if (budget == 0) return 0;

  struct iovec iov[3];
  int n = 0;
  size_t planned = 0;
  Chunk *tail = last_ && last_->tail() ? last_ : nullptr;
  if (tail) {
    size_t k = std::min(tail->tail(), budget);
    iov[n++] = {tail->end(), k};
    planned += k;
  }
  Chunk *spare = nullptr;
  if (planned < budget && spare_ && spare_->sole()) {
    spare = spare_;
    size_t k = std::min(spare->cap, budget - planned);
    iov[n++] = {spare->data, k};
    planned += k;
  }
  // The rest goes into a fresh chunk: up to 64 KiB from the thread's chunk
  // cache (warm, no malloc), or one sized to a max_read raised above that.
  Chunk *fresh = nullptr;
  if (planned < budget) {
    size_t rest = budget - planned;
    fresh = eventide::detail::chunk_new_plain(rest);
    if (fresh) iov[n++] = {fresh->data, std::min(fresh->cap, rest)};
  }
  if (n == 0) {
    errno = ENOMEM;
    return -1;
  }

  ssize_t r;
  // One piece from a socket: recv() skips the VFS layer read() goes through.
  do {
    if (n > 1) {
      r = readv(fd, iov, n);
    } else if (fd != nonsock_fd_) {
      r = recv(fd, iov[0].iov_base, iov[0].iov_len, 0);
      if (r < 0 && errno == ENOTSOCK) {
        nonsock_fd_ = fd;
        r = ::read(fd, iov[0].iov_base, iov[0].iov_len);
      }
    } else {
      r = ::read(fd, iov[0].iov_base, iov[0].iov_len);
    }
  } while (r < 0 && errno == EINTR);
  if (r <= 0) {
    if (fresh) eventide::detail::chunk_release(fresh);
    return static_cast<int>(r);
  }

  size_t left = static_cast<size_t>(r);
  int i = 0;
  if (tail) {
    size_t k = std::min(left, iov[i++].iov_len);
    tail->off += k;
    left -= k;
  }
  if (spare) {
    size_t k = std::min(left, iov[i++].iov_len);
    if (k) {
      spare_ = nullptr;
      spare->off = k;
      link_back(spare);
      left -= k;
    }
  }
  if (fresh) {
    if (left >= fresh->cap / kKeepFraction) {
      // Enough to keep the chunk: the bytes stay where the kernel put them.
      fresh->off = left;
      link_back(fresh);
    } else if (left) {
      // A few bytes in a big chunk: copy them into one sized to fit, so a
      // buffer that holds a short line does not pin 64 KiB.
      // With no memory for the small chunk, keep the big one: nothing is lost.
      if (Chunk *c = take_chunk(left)) {
        std::memcpy(c->data, fresh->data, left);
        c->off = left;
        link_back(c);
        eventide::detail::chunk_release(fresh);
      } else {
        fresh->off = left;
        link_back(fresh);
      }
    } else {
      eventide::detail::chunk_release(fresh);
    }
  }
  len_ += static_cast<size_t>(r);
  note_added(static_cast<size_t>(r));
  notify();
  return static_cast<int>(r);
}

int evbuffer::write_atmost(int fd, ssize_t howmuch) {
  if (frozen_check_front("evbuffer_write")) return -1;
  size_t budget = len_;
  if (howmuch >= 0 && static_cast<size_t>(howmuch) < budget) budget = static_cast<size_t>(howmuch);
  // libevent reports -1 when there is nothing to write; programs loop on it.
  if (budget == 0) return -1;

  ssize_t r = -1;
  Chunk *c = first_;
  if (c->sendfile) {
    evbuffer_file_segment *seg = c->u.file.seg;
    off_t off = static_cast<off_t>(seg->file_offset + c->u.file.seg_off +
                                   static_cast<int64_t>(c->misalign));
    r = sendfile_nosignal(fd, seg->fd, &off, std::min(budget, c->off));
    if (r == 0) {
      // The file ended early: 0 would read as "try again" for ever.
      log(kLogWarn, "evbuffer_write: file fd %d ends before its segment does", seg->fd);
      errno = EIO;
      return -1;
    }
    if (r > 0 || (errno != EINVAL && errno != ENOSYS)) {
      if (r > 0) drain(static_cast<size_t>(r));
      return static_cast<int>(r);
    }
    // The destination cannot take sendfile: write the bytes from memory.
    if (!eventide::detail::chunk_materialize(c)) return -1;
  }

  struct iovec iov[kMaxWriteIov];
  int n = 0;
  size_t planned = 0;
  for (; c && n < kMaxWriteIov && planned < budget; c = c->next) {
    if (c->sendfile && n > 0) break;  // sent by the next call, with sendfile
    if (!eventide::detail::chunk_materialize(c)) break;
    size_t k = std::min(c->off, budget - planned);
    iov[n++] = {c->begin(), k};
    planned += k;
  }
  if (n == 0) return -1;
  r = send_chain(fd, iov, n, &nonsock_fd_);
  if (r > 0) drain(static_cast<size_t>(r));
  return static_cast<int>(r);
}
