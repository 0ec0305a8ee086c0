// Public header: Who is in a room: presence:state, joins, leaves and statuses.
#pragma once
#include "core/presence.h"
