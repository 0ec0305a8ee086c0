// File routes: the file → path table, and how requests find (or miss) a route.
#include "routing/router.h"
#include "testserver.h"

#include <QTest>

using namespace Qt::StringLiterals;
using cortado::RoutePath;

class tst_RoutePath : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void fileToPath_data();
    void fileToPath();
    void badFileNames_data();
    void badFileNames();
    void matching_data();
    void matching();
    void duplicatePathsAreConfigurationErrors();
    void exampleAppRoutesComeFromTheFolder();
};

void tst_RoutePath::fileToPath_data()
{
    QTest::addColumn<QString>("file");
    QTest::addColumn<bool>("webSocket");
    QTest::addColumn<QString>("pattern");
    QTest::addColumn<QStringList>("params");

    QTest::newRow("index") << u"index.cpp"_s << false << u"/"_s << QStringList();
    QTest::newRow("health") << u"health.cpp"_s << false << u"/health"_s << QStringList();
    QTest::newRow("nested") << u"api/rooms.cpp"_s << false << u"/api/rooms"_s << QStringList();
    QTest::newRow("nested index") << u"api/index.cpp"_s << false << u"/api"_s << QStringList();
    QTest::newRow("parameter") << u"api/rooms/[room].cpp"_s << false << u"/api/rooms/<room>"_s << QStringList{u"room"_s};
    QTest::newRow("parameter folder") << u"api/rooms/[room]/broadcast.cpp"_s << false
                                      << u"/api/rooms/<room>/broadcast"_s << QStringList{u"room"_s};
    QTest::newRow("two parameters") << u"orgs/[org]/members/[user_id].cpp"_s << false
                                    << u"/orgs/<org>/members/<user_id>"_s << QStringList{u"org"_s, u"user_id"_s};
    QTest::newRow("websocket") << u"chat.ws.cpp"_s << true << u"/chat"_s << QStringList();
    QTest::newRow("nested websocket") << u"live/board.ws.cpp"_s << true << u"/live/board"_s << QStringList();
    QTest::newRow("websocket with parameter") << u"games/[game].ws.cpp"_s << true << u"/games/<game>"_s << QStringList{u"game"_s};
    QTest::newRow("dots and dashes") << u"well-known/v1.2.cpp"_s << false << u"/well-known/v1.2"_s << QStringList();
    // Served files keep their extension: the REST path is the file name without ".cpp".
    QTest::newRow("a served file") << u"cortado.js.cpp"_s << false << u"/cortado.js"_s << QStringList();
    QTest::newRow("a served file with two dots") << u"cortado.d.ts.cpp"_s << false << u"/cortado.d.ts"_s << QStringList();
}

void tst_RoutePath::fileToPath()
{
    QFETCH(QString, file);
    QFETCH(bool, webSocket);
    QFETCH(QString, pattern);
    QFETCH(QStringList, params);

    QString error;
    const std::optional<RoutePath> path = RoutePath::fromFile(file, &error);
    QVERIFY2(path, qPrintable(error));
    QCOMPARE(path->kind() == RoutePath::Kind::WebSocket, webSocket);
    QCOMPARE(path->pattern(), pattern);
    QCOMPARE(path->parameterNames(), params);
}

void tst_RoutePath::badFileNames_data()
{
    QTest::addColumn<QString>("file");
    QTest::newRow("not cpp") << u"health.h"_s;
    QTest::newRow("space") << u"my route.cpp"_s;
    QTest::newRow("unclosed parameter") << u"api/[room.cpp"_s;
    QTest::newRow("parameter inside segment") << u"api/room-[id].cpp"_s;
    QTest::newRow("empty parameter") << u"api/[].cpp"_s;
    QTest::newRow("repeated parameter") << u"[a]/[a].cpp"_s;
    QTest::newRow("empty segment") << u"api//rooms.cpp"_s;
}

void tst_RoutePath::badFileNames()
{
    QFETCH(QString, file);
    QString error;
    QVERIFY(!RoutePath::fromFile(file, &error));
    QVERIFY2(error.contains(file), qPrintable(error));
}

// A router like a routes folder with these files; each handler answers with its file name.
static void defineRoutes(cortado::Router &router)
{
    const QStringList files{u"index.cpp"_s, u"health.cpp"_s, u"api/rooms.cpp"_s,
                            u"api/rooms/[room].cpp"_s, u"api/rooms/stats.cpp"_s,
                            u"api/rooms/[room]/broadcast.cpp"_s};
    for (const QString &file : files) {
        router.addRestRoute(file, [file](cortado::RestRoute &route) {
            auto answer = [file](cortado::Context &ctx) {
                QJsonObject params;
                for (auto it = ctx.request().params.cbegin(); it != ctx.request().params.cend(); ++it)
                    params.insert(it.key(), it.value());
                return cortado::HttpResponse::json(QJsonObject{{u"file"_s, file}, {u"params"_s, params}});
            };
            route.get(answer);
            if (file.endsWith("broadcast.cpp"_L1))
                route.post(answer);
            if (file == "api/rooms.cpp"_L1)
                route.del(answer);
        });
    }
    router.addWebSocketRoute(u"chat.ws.cpp"_s, [](cortado::WsRoute &) { });
}

void tst_RoutePath::matching_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("file"); // for 200
    QTest::addColumn<QString>("room"); // the room parameter, for 200
    QTest::addColumn<QByteArray>("allow"); // for 405

    QTest::newRow("root") << "GET"_ba << u"/"_s << 200 << u"index.cpp"_s << QString() << QByteArray();
    QTest::newRow("static") << "GET"_ba << u"/health"_s << 200 << u"health.cpp"_s << QString() << QByteArray();
    QTest::newRow("trailing slash") << "GET"_ba << u"/api/rooms/"_s << 200 << u"api/rooms.cpp"_s << QString() << QByteArray();
    QTest::newRow("query ignored") << "GET"_ba << u"/health?x=1"_s << 200 << u"health.cpp"_s << QString() << QByteArray();
    QTest::newRow("parameter") << "GET"_ba << u"/api/rooms/lobby"_s << 200 << u"api/rooms/[room].cpp"_s << u"lobby"_s << QByteArray();
    QTest::newRow("static beats parameter") << "GET"_ba << u"/api/rooms/stats"_s << 200 << u"api/rooms/stats.cpp"_s << QString() << QByteArray();
    QTest::newRow("percent-decoded parameter") << "GET"_ba << u"/api/rooms/caf%C3%A9%20au%20lait"_s << 200
                                               << u"api/rooms/[room].cpp"_s << u"café au lait"_s << QByteArray();
    QTest::newRow("encoded slash stays in parameter") << "GET"_ba << u"/api/rooms/a%2Fb"_s << 200
                                                      << u"api/rooms/[room].cpp"_s << u"a/b"_s << QByteArray();
    QTest::newRow("nested parameter") << "POST"_ba << u"/api/rooms/r1/broadcast"_s << 200
                                      << u"api/rooms/[room]/broadcast.cpp"_s << u"r1"_s << QByteArray();
    QTest::newRow("unknown path") << "GET"_ba << u"/nope"_s << 404 << QString() << QString() << QByteArray();
    QTest::newRow("too deep") << "GET"_ba << u"/api/rooms/a/b/c"_s << 404 << QString() << QString() << QByteArray();
    QTest::newRow("empty segment") << "GET"_ba << u"/api//rooms"_s << 404 << QString() << QString() << QByteArray();
    QTest::newRow("websocket route is not REST") << "GET"_ba << u"/chat"_s << 404 << QString() << QString() << QByteArray();
    QTest::newRow("wrong method") << "POST"_ba << u"/health"_s << 405 << QString() << QString() << "GET"_ba;
    QTest::newRow("wrong method, several allowed") << "PUT"_ba << u"/api/rooms"_s << 405 << QString() << QString() << "DELETE, GET"_ba;
    QTest::newRow("wrong method on parameter route") << "DELETE"_ba << u"/api/rooms/x/broadcast"_s << 405
                                                     << QString() << QString() << "GET, POST"_ba;
}

void tst_RoutePath::matching()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(int, status);
    QFETCH(QString, file);
    QFETCH(QString, room);
    QFETCH(QByteArray, allow);

    TestServer server(TestServer::routes(defineRoutes));
    QVERIFY(server.isListening());
    const HttpReply reply = server.http(method, path);
    QCOMPARE(reply.status, status);
    QCOMPARE(reply.header("content-type"), "application/json"_ba);
    const QJsonObject body = reply.json();
    if (status == 200) {
        QCOMPARE(body.value("file"_L1).toString(), file);
        QCOMPARE(body.value("params"_L1).toObject().value("room"_L1).toString(), room);
        return;
    }
    // Every REST error: {"error": CODE, "message": TEXT, "status": N}
    QCOMPARE(body.value("status"_L1).toInt(), status);
    QCOMPARE(body.value("error"_L1).toString(), status == 404 ? u"not_found"_s : u"method_not_allowed"_s);
    QVERIFY(!body.value("message"_L1).toString().isEmpty());
    QCOMPARE(reply.header("allow"), allow);
}

void tst_RoutePath::duplicatePathsAreConfigurationErrors()
{
    cortado::Router router;
    router.addRestRoute(u"api/rooms.cpp"_s, [](cortado::RestRoute &) { });
    router.addRestRoute(u"api/rooms/index.cpp"_s, [](cortado::RestRoute &) { });
    router.addRestRoute(u"bad name.cpp"_s, [](cortado::RestRoute &) { });
    QCOMPARE(router.errors().size(), 2);
    QVERIFY(router.errors().at(0).contains(u"/api/rooms"_s));

    // ...and the server refuses to start with them.
    TestServer server(TestServer::routes([](cortado::Router &r) {
        r.addRestRoute(u"a.cpp"_s, [](cortado::RestRoute &) { });
        r.addRestRoute(u"a/index.cpp"_s, [](cortado::RestRoute &) { });
    }));
    QVERIFY(!server.isListening());
}

void registerBuiltinRoutes(cortado::Router &router);
void registerExampleRoutes(cortado::Router &router);

void tst_RoutePath::exampleAppRoutesComeFromTheFolder()
{
    // The generated indexes registered every file in server/builtin/routes/ and
    // server/example/routes/ under its path.
    cortado::Router router;
    registerBuiltinRoutes(router);
    registerExampleRoutes(router);
    QVERIFY(router.errors().isEmpty());
    QStringList rest, webSocket;
    for (const auto &entry : router.restRoutes())
        rest.append(entry->path.pattern());
    for (const auto &entry : router.webSocketRoutes())
        webSocket.append(entry->path.pattern());
    rest.sort();
    webSocket.sort();
    QCOMPARE(rest, (QStringList{u"/"_s, u"/api/projects"_s, u"/api/projects/<project>"_s,
                                u"/api/projects/<project>/members"_s, u"/api/rooms"_s,
                                u"/api/rooms/<room>"_s, u"/api/rooms/<room>/broadcast"_s,
                                u"/api/rooms/<room>/history"_s, u"/api/rooms/<room>/presence"_s,
                                u"/api/sockets/<socket>/rooms/<room>"_s, u"/cortado.d.ts"_s,
                                u"/cortado.js"_s, u"/demo"_s, u"/health"_s, u"/metrics"_s}));
    QCOMPARE(webSocket, (QStringList{u"/board"_s, u"/chat"_s}));
}

QTEST_GUILESS_MAIN(tst_RoutePath)
#include "tst_routepath.moc"
