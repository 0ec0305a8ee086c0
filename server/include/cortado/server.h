// Public header: One Cortado node: the router, the hub and the listening port.
#pragma once
#include "transport/server.h"
