// Cortado::Main: the default main() of an application whose routes cortado_add_routes() generated
// as cortado::registerAppRoutes. Options and environment: docs/configuration.md.
#include "app.h"

int main(int argc, char *argv[])
{
    cortado::App app(argc, argv);
    return app.run(cortado::registerAppRoutes);
}
