#pragma once

#include <cortado/auth.h>

namespace cortado {
class Server;
}

// The example application on a server the caller composed (tests), exactly as main.cpp's
// cortado::App puts it together: token auth with `tokens`, the project store, the builtin routes,
// the routes of routes/ and the admin channel. Call before Server::listen().
void setupExampleApp(cortado::Server &server, const cortado::auth::TokenConfig &tokens);
