// cortado-server: the example application, on cortado::App (options: docs/configuration.md).
#include "projects.h"

#include <cortado/app.h>

void registerExampleRoutes(cortado::Router &router); // generated from routes/

int main(int argc, char *argv[])
{
    cortado::App app(argc, argv);
    app.services().provide(std::make_shared<ProjectStore>());
    return app.run(registerExampleRoutes);
}
