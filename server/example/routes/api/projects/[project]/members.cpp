// POST /api/projects/<project>/members {"user": "bob"} — the owner adds a member (403 for others).
#include <cortado/route.h>

#include <cortado/auth.h>
#include "projects.h"

using namespace Qt::StringLiterals;
namespace errors = cortado::protocol::errors;

CORTADO_REST_ROUTE(route)
{
    route.requireService<ProjectStore>();
    route.use(cortado::auth::requireUser());
    route.post([](cortado::Context &ctx) {
        auto *projects = ctx.services().get<ProjectStore>();
        const QString id = ctx.request().param(u"project"_s);
        const std::optional<Project> project = projects->find(id);
        if (!project)
            return cortado::HttpResponse::error(cortado::Error::notFound(u"no such project"_s));
        if (project->owner != cortado::auth::currentUser(ctx)->id)
            return cortado::HttpResponse::error(cortado::Error::forbidden(u"only the project's owner adds members"_s));
        cortado::Error error;
        const std::optional<QJsonObject> body = ctx.jsonBody(&error);
        if (!body)
            return cortado::HttpResponse::error(error);
        const QString user = body->value("user"_L1).toString();
        if (user.isEmpty())
            return cortado::HttpResponse::error(cortado::Error::badRequest(errors::BadPayload, u"\"user\" names a user id"_s));
        projects->addMember(id, user);
        return cortado::HttpResponse::json(projects->find(id)->toJson());
    });
}
