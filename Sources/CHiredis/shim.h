// hiredis's synchronous API (0.14 on Debian 12). Only the blocking context is used: one context per
// dedicated thread, argv calls only (Swift cannot call the variadic redisCommand).
#include <hiredis/hiredis.h>
