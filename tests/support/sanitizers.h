#pragma once

// Whether the tests (and so the server they start, built with the same flags) run under
// AddressSanitizer: its shadow memory and quarantine make memory figures meaningless, and it slows
// everything down severalfold. Memory bounds are asserted only in normal builds; long waits scale.
#if defined(__SANITIZE_ADDRESS__)
inline constexpr bool UnderSanitizer = true;
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
inline constexpr bool UnderSanitizer = true;
#  else
inline constexpr bool UnderSanitizer = false;
#  endif
#else
inline constexpr bool UnderSanitizer = false;
#endif

// A wait of `ms` in a normal build, four times that under a sanitizer.
constexpr int scaledTimeout(int ms)
{
    return UnderSanitizer ? 4 * ms : ms;
}
