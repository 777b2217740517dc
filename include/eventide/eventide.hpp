// eventide: the whole C++ face in one include — Loop, Event, Timer, Signal and,
// where present, Buffer, Stream and Listener.
#pragma once

#include "eventide/error.hpp"
#include "eventide/loop.hpp"
#include "eventide/event.hpp"
#include "eventide/timer.hpp"
#include "eventide/signal.hpp"

#if __has_include("eventide/buffer.hpp")
#include "eventide/buffer.hpp"
#endif
#if __has_include("eventide/stream.hpp")
#include "eventide/stream.hpp"
#endif
#if __has_include("eventide/listener.hpp")
#include "eventide/listener.hpp"
#endif
#if __has_include("eventide/thread_pool.hpp")
#include "eventide/thread_pool.hpp"
#endif
