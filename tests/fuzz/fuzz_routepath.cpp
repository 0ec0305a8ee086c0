// Route file names become URL patterns (RoutePath::fromFile), and every request path is split and
// matched against them. Input: a route file name, a newline, a request path.
#include "fuzzcheck.h"

#include "routing/router.h"

#include <QSet>

#include <cstdint>

using namespace Qt::StringLiterals;
using cortado::RoutePath;

// A router like the example app's routes folder.
static const cortado::Router &exampleRouter()
{
    static const cortado::Router *router = [] {
        auto *result = new cortado::Router;
        for (const QString &file : {u"index.cpp"_s, u"health.cpp"_s, u"api/rooms.cpp"_s,
                                    u"api/rooms/[room].cpp"_s, u"api/rooms/stats.cpp"_s,
                                    u"api/rooms/[room]/broadcast.cpp"_s,
                                    u"api/sockets/[socket]/rooms/[room].cpp"_s})
            result->addRestRoute(file, [](cortado::RestRoute &) { });
        result->addWebSocketRoute(u"chat.ws.cpp"_s, [](cortado::WsRoute &) { });
        CORTADO_FUZZ_CHECK(result->errors().isEmpty());
        return result;
    }();
    return *router;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(data, qsizetype(size));
    const qsizetype newline = input.indexOf('\n');
    const QString file = QString::fromUtf8(newline < 0 ? input : input.first(newline));
    const QString path = newline < 0 ? QString() : QString::fromUtf8(input.sliced(newline + 1));

    QString error;
    const std::optional<RoutePath> route = RoutePath::fromFile(file, &error);
    CORTADO_FUZZ_CHECK(route.has_value() == error.isEmpty());
    if (route) {
        const QString pattern = route->pattern();
        CORTADO_FUZZ_CHECK(pattern.startsWith(u'/'));
        const QStringList names = route->parameterNames();
        CORTADO_FUZZ_CHECK(QSet<QString>(names.cbegin(), names.cend()).size() == names.size());

        // The route's own pattern, each parameter filled in, is a request path it serves.
        QString concrete = pattern;
        for (const QString &name : names)
            concrete.replace(u'<' + name + u'>', u"v"_s);
        const std::optional<QStringList> segments = RoutePath::splitRequestPath(concrete);
        CORTADO_FUZZ_CHECK(segments);
        const auto params = route->match(*segments);
        CORTADO_FUZZ_CHECK(params && params->size() == names.size());
    }

    const std::optional<QStringList> segments = RoutePath::splitRequestPath(path);
    if (segments) {
        for (const QString &segment : *segments)
            CORTADO_FUZZ_CHECK(!segment.isEmpty());
        if (route) {
            if (const auto params = route->match(*segments))
                CORTADO_FUZZ_CHECK(params->size() == route->parameterNames().size());
        }
    }
    const cortado::Router &router = exampleRouter();
    const auto rest = router.matchRest(path);
    CORTADO_FUZZ_CHECK(!rest.entry || segments);
    (void)router.matchWebSocket(path);
    return 0;
}
