#pragma once

#include "auth/tokens.h"

namespace cortado {
class Server;
}

// The example application on a server: token auth for every route, the project store, and the
// routes of server/routes/. Call before Server::listen().
void setupExampleApp(cortado::Server &server, const cortado::auth::TokenConfig &tokens);
