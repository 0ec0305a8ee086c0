// /api/projects (signed-in users)
//   POST {"name": "...", "members"?: ["bob", ...]} → 201, a project owned by the caller
//   GET → {"projects": [...]}: the caller's projects
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
        cortado::Error error;
        const std::optional<QJsonObject> body = ctx.jsonBody(&error);
        if (!body)
            return cortado::HttpResponse::error(error);
        const QString name = body->value("name"_L1).toString().trimmed();
        if (name.isEmpty() || name.size() > 100)
            return cortado::HttpResponse::error(cortado::Error::badRequest(
                    errors::BadPayload, u"\"name\" must be 1 to 100 characters"_s));
        QStringList members;
        for (const QJsonValue &member : body->value("members"_L1).toArray()) {
            if (!member.isString())
                return cortado::HttpResponse::error(cortado::Error::badRequest(
                        errors::BadPayload, u"\"members\" lists user ids (strings)"_s));
            members.append(member.toString());
        }
        const auto user = cortado::auth::currentUser(ctx);
        const Project project = ctx.services().get<ProjectStore>()->create(user->id, name, members);
        return cortado::HttpResponse::json(project.toJson(), 201);
    });

    route.get([](cortado::Context &ctx) {
        QJsonArray projects;
        for (const Project &project : ctx.services().get<ProjectStore>()->projectsOf(cortado::auth::currentUser(ctx)->id))
            projects.append(project.toJson());
        return cortado::HttpResponse::json(QJsonObject{{u"projects"_s, projects}});
    });
}
