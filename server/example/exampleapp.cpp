#include "exampleapp.h"

#include "admin/adminfeed.h"
#include "auth/auth.h"
#include "projects.h"
#include "transport/server.h"

void registerBuiltinRoutes(cortado::Router &router);
void registerExampleRoutes(cortado::Router &router);

void setupExampleApp(cortado::Server &server, const cortado::auth::TokenConfig &tokens)
{
    cortado::auth::install(server.router(), server.hub(),
                           std::make_shared<const cortado::auth::TokenVerifier>(tokens));
    server.router().services().provide(std::make_shared<ProjectStore>());
    registerBuiltinRoutes(server.router());
    registerExampleRoutes(server.router());
    cortado::AdminFeed::install(server);
}
