// GET /metrics — this node's Prometheus metrics (text format 0.0.4; docs/metrics.md lists them).
// Only for a token with the "admin" or "metrics" role: 401 without a token, 403 without the role.
// A scraper without a token uses the metrics port instead (--metrics-port, loopback by default).
#include <cortado/route.h>

#include <cortado/auth.h>
#include <cortado/metrics.h>

using namespace Qt::StringLiterals;

CORTADO_REST_ROUTE(route)
{
    route.get([](cortado::Context &ctx) {
        const std::optional<cortado::auth::User> user = cortado::auth::currentUser(ctx);
        if (!user)
            return cortado::HttpResponse::error(cortado::Error::unauthorized(u"/metrics needs a token with the admin or metrics role"_s));
        if (!cortado::MetricsExporter::mayScrape(user->roles))
            return cortado::HttpResponse::error(cortado::Error::forbidden(u"/metrics needs the admin or metrics role"_s));
        auto *metrics = ctx.services().get<cortado::MetricsExporter>();
        if (!metrics) // a Server always provides it; a router without one has nothing to show
            return cortado::HttpResponse::error(cortado::Error::notFound(u"no metrics on this server"_s));
        cortado::HttpResponse response;
        response.contentType = cortado::MetricsExporter::ContentType;
        response.body = metrics->scrape();
        return response;
    });
}
