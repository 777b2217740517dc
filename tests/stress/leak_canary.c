/* Leaks a buffer on purpose: run under LeakSanitizer this must fail. It proves
   the sanitizer build really checks leaks, so a clean run means something. */
#include <event2/buffer.h>
#include <stdio.h>

/* In its own frame, so no stale pointer stays on main's stack. */
static __attribute__((noinline)) void leak(void) {
  struct evbuffer *b = evbuffer_new();
  evbuffer_add(b, "leaked bytes", 12);
}

int main(void) {
  leak();
  printf("leaked a buffer\n");
  return 0;
}
