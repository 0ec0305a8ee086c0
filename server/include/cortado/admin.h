// Public header: The /_admin channel the console connects to.
#pragma once
#include "admin/adminfeed.h"
