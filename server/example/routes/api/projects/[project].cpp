// GET /api/projects/<project> — members only (403 for others, 404 if there is no such project).
#include <cortado/route.h>

#include <cortado/auth.h>
#include "projects.h"

using namespace Qt::StringLiterals;

CORTADO_REST_ROUTE(route)
{
    route.requireService<ProjectStore>();
    route.use(cortado::auth::requireUser());
    route.get([](cortado::Context &ctx) {
        const std::optional<Project> project =
                ctx.services().get<ProjectStore>()->find(ctx.request().param(u"project"_s));
        if (!project)
            return cortado::HttpResponse::error(cortado::Error::notFound(u"no such project"_s));
        if (!project->members.contains(cortado::auth::currentUser(ctx)->id))
            return cortado::HttpResponse::error(cortado::Error::forbidden(u"you are not a member of this project"_s));
        return cortado::HttpResponse::json(project->toJson());
    });
}
