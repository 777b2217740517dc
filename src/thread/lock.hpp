// Locks made through the evthread callbacks (evthread_use_pthreads or
// evthread_set_lock_callbacks). Until threading is enabled they cost nothing:
// lock_alloc returns nullptr and acquire/release of nullptr do nothing.
#pragma once

namespace eventide::detail {

bool threading_enabled();
// locktype: 0 or EVTHREAD_LOCKTYPE_RECURSIVE (1).
void *lock_alloc(unsigned locktype);
void lock_free(void *lock, unsigned locktype);
// mode: 0, or EVTHREAD_READ / EVTHREAD_WRITE / EVTHREAD_TRY bits. 0 on success.
int lock_acquire(void *lock, unsigned mode = 0);
int lock_release(void *lock, unsigned mode = 0);

}  // namespace eventide::detail
