// The admin channel as the console uses it, against a real server with real clients.
#include "testserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QElapsedTimer>
#include <QRegularExpression>
#include <QTcpSocket>
#include <QTest>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace {

std::unique_ptr<TestClient> console(TestServer &server, const QString &role = u"admin"_s)
{
    auto client = server.client(u"/_admin"_s, u"ops-"_s + role, {role});
    if (client && !client->waitFor(u"admin:snapshot"_s))
        return nullptr;
    return client;
}

QJsonObject lastPayload(const TestClient &client, const QString &event)
{
    const QList<QJsonObject> frames = client.received(event);
    return frames.isEmpty() ? QJsonObject() : frames.last().value("payload"_L1).toObject();
}

QString errorCode(const Reply &ack)
{
    return ack.errorCode();
}

// The ids (or user ids) of a page's rows, in order.
QStringList rowIds(const QJsonObject &page, bool users = false)
{
    QStringList ids;
    for (const QJsonValue &row : page.value("rows"_L1).toArray())
        ids.append(users ? row[u"user"_s][u"id"_s].toString() : row[u"id"_s].toString());
    return ids;
}

// Whether some admin:page of `view` the console received (so far) lists socket or room `id`.
bool pageShows(const TestClient &client, const QString &view, const QString &id)
{
    for (const QJsonObject &frame : client.received(u"admin:page"_s)) {
        const QJsonObject page = frame.value("payload"_L1).toObject();
        if (page.value("view"_L1).toString() != view)
            continue;
        for (const QJsonValue &row : page.value("rows"_L1).toArray()) {
            if (row[view == "sockets"_L1 ? u"id"_s : u"room"_s].toString() == id)
                return true;
        }
    }
    return false;
}

} // namespace

class tst_Admin : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void onlyAdminsAndObservers();
    void snapshotDescribesTheServer();
    void deltasFollow();
    void queryPagesFiltersAndSorts();
    void queryRefusesBadInput();
    void roomSummariesFollowTheShownPage();
    void deltasOnlyForShownRows();
    void roomRowsCarryTheFirstUsersOnly();
    void socketDetails();
    void roomDetailsAndHistory();
    void countersEverySecond();
    void countersCarryRatesErrorsAndRoutes();
    void tapFollowsAUser();
    void tapIsFilteredServerSide();
    void actions();
    void observerMayNotAct();
    void stalledConsoleIsDroppedNotWaitedFor();
    void catalogDescribesEachRoutesEvents();
    void mintTokenForTestClients();
    void mintTokenRefusesBadInput_data();
    void mintTokenRefusesBadInput();
};

void tst_Admin::onlyAdminsAndObservers()
{
    ExampleServer server;
    TestClient guest, user;
    QVERIFY(!guest.open(server.wsUrl(u"/_admin"_s)));
    QVERIFY(!user.open(server.wsUrl(u"/_admin?token="_s + QString::fromLatin1(TestServer::token(u"bob"_s, {u"editor"_s})))));
    QVERIFY(console(server, u"admin"_s));
    QVERIFY(console(server, u"observer"_s));
}

void tst_Admin::snapshotDescribesTheServer()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s, u"alice"_s);
    QVERIFY(alice && alice->join(u"lobby"_s).ok());
    QVERIFY(alice->request(u"chat:send"_s, u"hi"_s, u"lobby"_s).ok());
    auto ops = console(server);
    QVERIFY(ops);
    const QJsonObject snapshot = lastPayload(*ops, u"admin:snapshot"_s);

    const QJsonArray sockets = snapshot.value("sockets"_L1).toArray();
    QCOMPARE(sockets.size(), 1); // the console itself is not listed
    const QJsonObject socket = sockets.first().toObject();
    QCOMPARE(socket.value("id"_L1).toString(), alice->socketId());
    QCOMPARE(socket.value("route"_L1).toString(), u"/chat"_s);
    QCOMPARE(socket.value("user"_L1).toObject().value("id"_L1).toString(), u"alice"_s);
    QCOMPARE(socket.value("rooms"_L1).toArray(), QJsonArray{u"lobby"_s});
    QCOMPARE(socket.value("messagesIn"_L1).toInt(), 2);
    const QJsonObject handshake = socket.value("handshake"_L1).toObject();
    QCOMPARE(handshake.value("path"_L1).toString(), u"/chat"_s);
    QVERIFY(!handshake.value("query"_L1).toString().contains(u"token"_s)); // never the token

    const QJsonObject room = snapshot.value("rooms"_L1).toArray().first().toObject();
    QCOMPARE(room.value("room"_L1).toString(), u"lobby"_s);
    QCOMPARE(room.value("historyLength"_L1).toInt(), 1);
    QCOMPARE(snapshot.value("presence"_L1).toArray().first().toObject().value("users"_L1).toArray().size(), 1);

    QStringList wsRoutes;
    for (const QJsonValue &route : snapshot.value("server"_L1).toObject().value("routes"_L1).toObject().value("websocket"_L1).toArray())
        wsRoutes.append(route.toObject().value("path"_L1).toString());
    wsRoutes.sort();
    QCOMPARE(wsRoutes, (QStringList{u"/board"_s, u"/chat"_s}));
    QCOMPARE(snapshot.value("you"_L1).toObject().value("role"_L1).toString(), u"admin"_s);
}

void tst_Admin::deltasFollow()
{
    ExampleServer server;
    auto ops = console(server);
    QVERIFY(ops);
    auto alice = server.client(u"/chat"_s, u"alice"_s);
    QVERIFY(alice);
    // A new socket arrives in the console's next page (its first page, sorted by connection time).
    QTRY_VERIFY(pageShows(*ops, u"sockets"_s, alice->socketId()));
    QCOMPARE(lastPayload(*ops, u"admin:page"_s).value("total"_L1).toInt(), 1);

    // Alice is shown: her joins come as deltas. The room arrives in the next rooms page, with its
    // presence.
    QVERIFY(alice->join(u"r"_s).ok());
    QVERIFY(ops->waitFor(u"admin:joined"_s));
    QCOMPARE(lastPayload(*ops, u"admin:joined"_s).value("room"_L1).toString(), u"r"_s);
    QTRY_VERIFY(pageShows(*ops, u"rooms"_s, u"r"_s));
    QCOMPARE(lastPayload(*ops, u"admin:page"_s).value("rows"_L1)[0][u"users"_s].toArray().size(), 1);

    QVERIFY(alice->request(u"presence:update"_s, QJsonObject{{u"status"_s, u"away"_s}}, u"r"_s).ok());
    QVERIFY(ops->waitFor(u"admin:presence"_s));
    QCOMPARE(lastPayload(*ops, u"admin:presence"_s).value("users"_L1).toArray().first().toObject().value("status"_L1).toString(), u"away"_s);

    alice->close();
    QVERIFY(ops->waitFor(u"admin:left"_s));
    QVERIFY(ops->waitFor(u"admin:socket_closed"_s));
    QCOMPARE(lastPayload(*ops, u"admin:socket_closed"_s).value("id"_L1).toString(), alice->socketId());
}

void tst_Admin::queryPagesFiltersAndSorts()
{
    ExampleServer server;
    std::vector<std::unique_ptr<TestClient>> chatters;
    for (const QString &user : {u"dave"_s, u"alice"_s, u"carol"_s, u"bob"_s, u"erin"_s}) {
        chatters.push_back(server.client(u"/chat"_s, user));
        QVERIFY(chatters.back());
    }
    QVERIFY(chatters.at(1)->join(u"lobby"_s).ok() && chatters.at(3)->join(u"lobby"_s).ok());
    QVERIFY(chatters.at(2)->join(u"kitchen"_s).ok());
    auto frank = server.client(u"/board"_s, u"frank"_s);
    QVERIFY(frank);
    auto ops = console(server);
    QVERIFY(ops);

    // The snapshot carries the counts and the first page, not every socket.
    const QJsonObject snapshot = lastPayload(*ops, u"admin:snapshot"_s);
    QCOMPARE(snapshot.value("socketsPage"_L1)[u"total"_s].toInt(), 6);
    QCOMPARE(snapshot.value("socketsPage"_L1)[u"limit"_s].toInt(), 100);
    QCOMPARE(snapshot.value("sockets"_L1).toArray().size(), 6);
    QCOMPARE(snapshot.value("roomsPage"_L1)[u"total"_s].toInt(), 2);

    auto page = [&ops](const QJsonObject &request) {
        const Reply reply = ops->request(u"admin:query"_s, request);
        if (!reply.ok())
            qWarning("admin:query failed: %s", qPrintable(reply.toString()));
        return reply.payload().toObject();
    };
    auto byUser = [](bool desc) { return QJsonObject{{u"key"_s, u"user"_s}, {u"desc"_s, desc}}; };

    // Sorted by user, the second page of two.
    QJsonObject second = page({{u"view"_s, u"sockets"_s}, {u"sort"_s, byUser(false)}, {u"offset"_s, 2}, {u"limit"_s, 2}});
    QCOMPARE(rowIds(second, true), (QStringList{u"carol"_s, u"dave"_s}));
    QCOMPARE(second.value("total"_L1).toInt(), 6);
    QCOMPARE(second.value("matched"_L1).toInt(), 6);
    QCOMPARE(second.value("offset"_L1).toInt(), 2);
    QCOMPARE(second.value("limit"_L1).toInt(), 2);
    QCOMPARE(rowIds(page({{u"view"_s, u"sockets"_s}, {u"sort"_s, byUser(true)}, {u"limit"_s, 3}}), true),
             (QStringList{u"frank"_s, u"erin"_s, u"dave"_s}));
    // Past the end: no rows, the counts still.
    const QJsonObject beyond = page({{u"view"_s, u"sockets"_s}, {u"offset"_s, 50}});
    QCOMPARE(beyond.value("rows"_L1).toArray().size(), 0);
    QCOMPARE(beyond.value("matched"_L1).toInt(), 6);

    // Filters: route, room, user, and text (a room's name here, any case).
    auto filtered = [&](const QJsonObject &filter) {
        return page({{u"view"_s, u"sockets"_s}, {u"filter"_s, filter}, {u"sort"_s, byUser(false)}});
    };
    QCOMPARE(rowIds(filtered({{u"route"_s, u"/board"_s}}), true), QStringList{u"frank"_s});
    QCOMPARE(rowIds(filtered({{u"room"_s, u"lobby"_s}}), true), (QStringList{u"alice"_s, u"bob"_s}));
    const QJsonObject carol = filtered({{u"user"_s, u"carol"_s}});
    QCOMPARE(rowIds(carol), QStringList{chatters.at(2)->socketId()});
    QCOMPARE(carol.value("matched"_L1).toInt(), 1);
    QCOMPARE(carol.value("total"_L1).toInt(), 6);
    QCOMPARE(rowIds(filtered({{u"text"_s, u"KITCH"_s}}), true), QStringList{u"carol"_s});
    QCOMPARE(rowIds(filtered({{u"text"_s, u"/chat"_s}, {u"room"_s, u"lobby"_s}}), true), (QStringList{u"alice"_s, u"bob"_s}));

    // Rooms: by members, most first, with presence.
    const QJsonObject rooms = page({{u"view"_s, u"rooms"_s}, {u"sort"_s, QJsonObject{{u"key"_s, u"members"_s}, {u"desc"_s, true}}}});
    QCOMPARE(rooms.value("total"_L1).toInt(), 2);
    const QJsonArray roomRows = rooms.value("rows"_L1).toArray();
    QCOMPARE(roomRows.size(), 2);
    QCOMPARE(roomRows.at(0)[u"room"_s].toString(), u"lobby"_s);
    QCOMPARE(roomRows.at(0)[u"members"_s].toInt(), 2);
    QCOMPARE(roomRows.at(0)[u"users"_s].toArray().size(), 2);
    QCOMPARE(roomRows.at(1)[u"room"_s].toString(), u"kitchen"_s);
    const QJsonObject kitchen = page({{u"view"_s, u"rooms"_s}, {u"filter"_s, QJsonObject{{u"text"_s, u"kit"_s}}}});
    QCOMPARE(kitchen.value("matched"_L1).toInt(), 1);
}

// admin:counters carries live figures of the rooms on the console's rooms page only.
void tst_Admin::roomSummariesFollowTheShownPage()
{
    ExampleServer server;
    auto ops = console(server);
    auto alice = server.client(u"/chat"_s);
    QVERIFY(ops && alice && alice->join(u"alpha"_s).ok() && alice->join(u"beta"_s).ok());
    const auto summarised = [&] {
        QStringList rooms;
        for (const QJsonValue room : lastPayload(*ops, u"admin:counters"_s).value("roomSummaries"_L1).toArray())
            rooms.append(room.toObject().value("room"_L1).toString());
        rooms.sort();
        return rooms;
    };
    QVERIFY(ops->request(u"admin:query"_s, QJsonObject{{u"view"_s, u"rooms"_s}}).ok());
    QTRY_COMPARE_WITH_TIMEOUT(summarised(), (QStringList{u"alpha"_s, u"beta"_s}), 5000);
    QVERIFY(ops->request(u"admin:query"_s, QJsonObject{{u"view"_s, u"rooms"_s},
                                                      {u"filter"_s, QJsonObject{{u"text"_s, u"beta"_s}}}}).ok());
    QTRY_COMPARE_WITH_TIMEOUT(summarised(), QStringList{u"beta"_s}, 5000);
}

void tst_Admin::queryRefusesBadInput()
{
    ExampleServer server;
    auto ops = console(server), watcher = console(server, u"observer"_s);
    QVERIFY(ops && watcher);
    const QList<QJsonObject> bad{
            {},
            {{u"view"_s, u"users"_s}},
            {{u"view"_s, u"sockets"_s}, {u"sort"_s, QJsonObject{{u"key"_s, u"password"_s}}}},
            {{u"view"_s, u"sockets"_s}, {u"sort"_s, QJsonObject{{u"key"_s, u"members"_s}}}}, // a rooms key
            {{u"view"_s, u"rooms"_s}, {u"sort"_s, QJsonObject{{u"key"_s, u"address"_s}}}},
            {{u"view"_s, u"sockets"_s}, {u"sort"_s, u"user"_s}},
            {{u"view"_s, u"sockets"_s}, {u"offset"_s, -1}},
            {{u"view"_s, u"sockets"_s}, {u"offset"_s, u"2"_s}},
            {{u"view"_s, u"sockets"_s}, {u"offset"_s, 1.5}},
            {{u"view"_s, u"sockets"_s}, {u"offset"_s, 2'000'000}},
            {{u"view"_s, u"sockets"_s}, {u"limit"_s, 0}},
            {{u"view"_s, u"sockets"_s}, {u"filter"_s, u"alice"_s}},
            {{u"view"_s, u"sockets"_s}, {u"filter"_s, QJsonObject{{u"text"_s, 5}}}},
            {{u"view"_s, u"sockets"_s}, {u"filter"_s, QJsonObject{{u"user"_s, QString(201, u'x')}}}}};
    for (const QJsonObject &request : bad) {
        const Reply reply = ops->request(u"admin:query"_s, request);
        QVERIFY2(!reply.ok(), qPrintable(QString::fromUtf8(QJsonDocument(request).toJson(QJsonDocument::Compact))));
        QCOMPARE(errorCode(reply), u"bad_request"_s);
        QVERIFY(!reply.errorMessage().isEmpty());
    }
    // Over the maximum is clamped, not refused: the answer says the limit used.
    QCOMPARE(ops->request(u"admin:query"_s, QJsonObject{{u"view"_s, u"sockets"_s}, {u"limit"_s, 100'000}})
                     .payload()[u"limit"].toInt(), 500);
    // Observers may look at pages (but not act: observerMayNotAct).
    QVERIFY(watcher->request(u"admin:query"_s, QJsonObject{{u"view"_s, u"rooms"_s}}).ok());
    QVERIFY(ops->isConnected());
}

void tst_Admin::deltasOnlyForShownRows()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s, u"alice"_s);
    auto narrow = console(server), wide = console(server, u"observer"_s);
    QVERIFY(alice && narrow && wide);
    // `narrow` shows alice's sockets alone; `wide` the default first page.
    QVERIFY(narrow->request(u"admin:query"_s, QJsonObject{{u"view"_s, u"sockets"_s},
                                                          {u"filter"_s, QJsonObject{{u"user"_s, u"alice"_s}}}}).ok());
    auto bob = server.client(u"/chat"_s, u"bob"_s);
    QVERIFY(bob);
    QTRY_VERIFY(pageShows(*wide, u"sockets"_s, bob->socketId()));
    QCOMPARE(lastPayload(*wide, u"admin:page"_s).value("total"_L1).toInt(), 2);

    QVERIFY(bob->join(u"r"_s).ok());
    QVERIFY(alice->join(u"a"_s).ok());
    QVERIFY(wide->waitFor(u"admin:joined"_s, 2));
    QVERIFY(narrow->waitFor(u"admin:joined"_s));
    bob->close();
    QVERIFY(wide->waitFor(u"admin:socket_closed"_s));
    QCOMPARE(lastPayload(*wide, u"admin:socket_closed"_s).value("id"_L1).toString(), bob->socketId());

    // A socket that belongs on a console's page is shown at once: its first deltas do not wait for
    // the page (carol joins before any page could have been sent).
    auto carol = server.client(u"/chat"_s, u"carol"_s);
    QVERIFY(carol && carol->join(u"c"_s).ok());
    auto carolJoined = [&wide, &carol] {
        const QList<QJsonObject> joined = wide->received(u"admin:joined"_s);
        return std::any_of(joined.cbegin(), joined.cend(), [&carol](const QJsonObject &frame) {
            return frame.value("payload"_L1)[u"socket"_s].toString() == carol->socketId();
        });
    };
    QTRY_VERIFY(carolJoined());

    // Nothing about bob reached the console that does not show him.
    QVERIFY(narrow->fence());
    for (const QJsonObject &joined : narrow->received(u"admin:joined"_s))
        QCOMPARE(joined.value("payload"_L1)[u"socket"_s].toString(), alice->socketId());
    QVERIFY(narrow->received(u"admin:socket_closed"_s).isEmpty());
    QVERIFY(!pageShows(*narrow, u"sockets"_s, bob->socketId()));
}

// A crowded room weighs the same on a page as a small one: 20 users and the count; admin:room lists
// them all (up to 500).
void tst_Admin::roomRowsCarryTheFirstUsersOnly()
{
    ExampleServer server;
    std::vector<std::unique_ptr<TestClient>> crowd;
    for (int i = 0; i < 25; ++i) {
        crowd.push_back(server.client(u"/chat"_s, u"user%1"_s.arg(i)));
        QVERIFY(crowd.back() && crowd.back()->join(u"crowd"_s).ok());
    }
    auto ops = console(server, u"observer"_s);
    QVERIFY(ops);
    const QJsonObject row = lastPayload(*ops, u"admin:snapshot"_s).value("rooms"_L1)[0].toObject();
    QCOMPARE(row.value("room"_L1).toString(), u"crowd"_s);
    QCOMPARE(row.value("users"_L1).toArray().size(), 20);
    QCOMPARE(row.value("presenceCount"_L1).toInt(), 25);
    const QJsonObject room = ops->request(u"admin:room"_s, QJsonObject{{u"route"_s, u"/chat"_s}, {u"room"_s, u"crowd"_s}})
                                     .payload().toObject();
    QCOMPARE(room.value("presence"_L1).toArray().size(), 25);
    QCOMPARE(room.value("presenceTotal"_L1).toInt(), 25);
    QCOMPARE(room.value("members"_L1).toArray().size(), 25);

    QVERIFY(crowd.front()->request(u"presence:update"_s, QJsonObject{{u"status"_s, u"away"_s}}, u"crowd"_s).ok());
    QVERIFY(ops->waitFor(u"admin:presence"_s));
    const QJsonObject presence = lastPayload(*ops, u"admin:presence"_s);
    QCOMPARE(presence.value("users"_L1).toArray().size(), 20);
    QCOMPARE(presence.value("count"_L1).toInt(), 25);
}

void tst_Admin::socketDetails()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s, u"alice"_s, {u"editor"_s});
    QVERIFY(alice && alice->join(u"lobby"_s).ok());
    auto ops = console(server, u"observer"_s);
    QVERIFY(ops);
    auto info = [&ops](const QString &socket) { return ops->request(u"admin:socket_info"_s, QJsonObject{{u"socket"_s, socket}}); };

    Reply reply = info(alice->socketId());
    QVERIFY2(reply.ok(), qPrintable(reply.toString()));
    QJsonObject socket = reply.payload().toObject();
    QCOMPARE(socket.value("id"_L1).toString(), alice->socketId());
    QCOMPARE(socket.value("user"_L1)[u"id"_s].toString(), u"alice"_s);
    QCOMPARE(socket.value("user"_L1)[u"roles"_s].toArray(), QJsonArray{u"editor"_s});
    QCOMPARE(socket.value("route"_L1).toString(), u"/chat"_s);
    QCOMPARE(socket.value("rooms"_L1).toArray(), QJsonArray{u"lobby"_s});
    QCOMPARE(socket.value("address"_L1).toString(), server.hub().session(alice->socketId())->remoteAddress());
    QVERIFY(socket.value("userAgent"_L1).isString()); // the handshake's User-Agent ("" when none was sent)
    QCOMPARE(socket.value("messagesIn"_L1).toInt(), 1);
    QVERIFY(socket.value("bytesQueued"_L1).isDouble());
    QVERIFY(socket.value("connectedForMs"_L1).toInteger() >= 0);
    QVERIFY(socket.value("inPerSecond"_L1).isDouble());

    // Asked again: the rates are the change since the last answer.
    for (int i = 0; i < 4; ++i)
        QVERIFY(alice->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"m%1"_s.arg(i)}}, u"lobby"_s).ok());
    reply = info(alice->socketId());
    QVERIFY(reply.ok());
    socket = reply.payload().toObject();
    QCOMPARE(socket.value("messagesIn"_L1).toInt(), 5);
    QVERIFY2(socket.value("inPerSecond"_L1).toDouble() > 0, qPrintable(reply.toString()));
    QVERIFY(socket.value("messagesOut"_L1).toInt() >= 4);

    QCOMPARE(errorCode(info(u"nope"_s)), u"not_found"_s);
    QCOMPARE(errorCode(info(QString())), u"not_found"_s);
    const QString self = lastPayload(*ops, u"admin:snapshot"_s).value("you"_L1)[u"socketId"_s].toString();
    QCOMPARE(errorCode(info(self)), u"not_found"_s); // consoles are not listed
}

void tst_Admin::roomDetailsAndHistory()
{
    ExampleServer server;
    auto alice = server.client(u"/chat"_s, u"alice"_s), bob = server.client(u"/chat"_s, u"bob"_s);
    QVERIFY(alice && bob && alice->join(u"lobby"_s).ok() && bob->join(u"lobby"_s).ok());
    for (int i = 1; i <= 5; ++i)
        QVERIFY(alice->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"m%1"_s.arg(i)}}, u"lobby"_s).ok());
    auto ops = console(server, u"observer"_s);
    QVERIFY(ops);

    Reply reply = ops->request(u"admin:room"_s, QJsonObject{{u"route"_s, u"/chat"_s}, {u"room"_s, u"lobby"_s}});
    QVERIFY2(reply.ok(), qPrintable(reply.toString()));
    const QJsonObject room = reply.payload().toObject();
    QStringList members;
    for (const QJsonValue &member : room.value("members"_L1).toArray())
        members.append(member[u"user"_s][u"id"_s].toString() + u'/' + member[u"socket"_s].toString());
    members.sort();
    QCOMPARE(members, (QStringList{u"alice/"_s + alice->socketId(), u"bob/"_s + bob->socketId()}));
    QCOMPARE(room.value("membersTotal"_L1).toInt(), 2);
    QCOMPARE(room.value("presence"_L1).toArray().size(), 2);
    QCOMPARE(room.value("historyLength"_L1).toInt(), 5);
    QCOMPARE(room.value("offset"_L1).toInt(), 5);
    QCOMPARE(room.value("oldestOffset"_L1).toInt(), 1);
    QCOMPARE(errorCode(ops->request(u"admin:room"_s, QJsonObject{{u"route"_s, u"/chat"_s}, {u"room"_s, u"nowhere"_s}})), u"not_found"_s);
    QCOMPARE(errorCode(ops->request(u"admin:room"_s, QJsonObject{{u"route"_s, u"/chat"_s}})), u"bad_room"_s);

    // The history browser: newest first, two at a time, going back with `before`.
    auto history = [&ops](const QJsonObject &extra) {
        QJsonObject request{{u"route"_s, u"/chat"_s}, {u"room"_s, u"lobby"_s}};
        for (auto it = extra.begin(); it != extra.end(); ++it)
            request.insert(it.key(), it.value());
        return ops->request(u"admin:history"_s, request);
    };
    auto offsets = [](const QJsonObject &page) {
        QList<int> result;
        for (const QJsonValue &row : page.value("rows"_L1).toArray())
            result.append(row[u"offset"_s].toInt());
        return result;
    };
    reply = history({{u"limit"_s, 2}});
    QVERIFY2(reply.ok(), qPrintable(reply.toString()));
    QJsonObject page = reply.payload().toObject();
    QCOMPARE(offsets(page), (QList<int>{5, 4}));
    const QJsonObject newest = page.value("rows"_L1).toArray().first().toObject();
    QCOMPARE(newest.value("payload"_L1)[u"text"_s].toString(), u"m5"_s);
    QVERIFY(!newest.value("event"_L1).toString().isEmpty());
    QVERIFY(newest.value("time"_L1).toInteger() > 0);
    QCOMPARE(page.value("nextBefore"_L1).toInt(), 4);
    page = history({{u"limit"_s, 2}, {u"before"_s, 4}}).payload().toObject();
    QCOMPARE(offsets(page), (QList<int>{3, 2}));
    page = history({{u"limit"_s, 2}, {u"before"_s, 2}}).payload().toObject();
    QCOMPARE(offsets(page), QList<int>{1});
    QVERIFY(!page.contains("nextBefore"_L1)); // the oldest kept
    QCOMPARE(history({{u"limit"_s, 10'000}}).payload()[u"limit"].toInt(), 200); // clamped

    for (const QJsonObject &bad : {QJsonObject{{u"limit"_s, 0}}, QJsonObject{{u"before"_s, u"x"_s}}, QJsonObject{{u"before"_s, -3}}})
        QCOMPARE(errorCode(history(bad)), u"bad_request"_s);
    QCOMPARE(errorCode(ops->request(u"admin:history"_s, QJsonObject{{u"route"_s, u"/chat"_s}, {u"room"_s, u"nowhere"_s}})),
             u"not_found"_s);
}

void tst_Admin::countersEverySecond()
{
    ExampleServer server;
    auto ops = console(server);
    auto alice = server.client(u"/chat"_s);
    QVERIFY(ops && alice && alice->join(u"r"_s).ok());
    for (int i = 0; i < 5; ++i)
        alice->send(u"chat:send"_s, i, u"r"_s);
    QVERIFY(ops->waitFor(u"admin:counters"_s, 2, 3500));
    const QJsonObject counters = lastPayload(*ops, u"admin:counters"_s);
    QCOMPARE(counters.value("connections"_L1).toInt(), 1);
    QCOMPARE(counters.value("rooms"_L1).toInt(), 1);
    QCOMPARE(counters.value("messagesIn"_L1).toInt(), 6);
}

// What the console's Overview charts and alerts read: the last second's bytes, errors by code,
// handler times and each route's share (docs/admin.md, admin:counters).
void tst_Admin::countersCarryRatesErrorsAndRoutes()
{
    ExampleServer server;
    auto ops = console(server);
    auto alice = server.client(u"/chat"_s);
    QVERIFY(ops && alice && alice->join(u"r"_s).ok());
    QVERIFY(ops->waitFor(u"admin:counters"_s)); // a tick before the traffic: the next one counts it all

    const qsizetype ticks = ops->received(u"admin:counters"_s).size();
    for (int i = 0; i < 4; ++i)
        QVERIFY(alice->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"hello"_s}}, u"r"_s).ok());
    // A refusal with a code: sending to a room alice is not in.
    QCOMPARE(alice->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"x"_s}}, u"elsewhere"_s).errorCode(), u"not_in_room"_s);

    // Sum the ticks that came after the traffic (it may straddle two).
    qint64 bytesIn = 0, bytesOut = 0, notInRoom = 0, errors = 0, routeIn = 0;
    bool handlerTimes = false;
    QJsonObject chat;
    QTRY_VERIFY_WITH_TIMEOUT(([&] {
        bytesIn = bytesOut = notInRoom = errors = routeIn = 0;
        const QList<QJsonObject> all = ops->received(u"admin:counters"_s);
        for (qsizetype i = ticks; i < all.size(); ++i) {
            const QJsonObject c = all.at(i).value("payload"_L1).toObject();
            bytesIn += c.value("bytesInPerSecond"_L1).toInteger();
            bytesOut += c.value("bytesOutPerSecond"_L1).toInteger();
            errors += c.value("errorsPerSecond"_L1).toInteger();
            notInRoom += c.value("errorsByCode"_L1).toObject().value("not_in_room"_L1).toInteger();
            handlerTimes = handlerTimes || c.value("handlerMs"_L1).toObject().value("p99"_L1).toDouble() > 0;
            for (const QJsonValue route : c.value("routes"_L1).toArray()) {
                if (route.toObject().value("route"_L1).toString() == "/chat"_L1) {
                    chat = route.toObject();
                    routeIn += chat.value("inPerSecond"_L1).toInteger();
                }
            }
        }
        return routeIn >= 5 && notInRoom >= 1;
    }()), 5000);
    QCOMPARE(routeIn, 5); // four sends and the refused one
    QCOMPARE(notInRoom, 1);
    QCOMPARE(errors, 1);
    QVERIFY(handlerTimes);
    QVERIFY2(bytesIn > 5 * 20, qPrintable(QString::number(bytesIn))); // five frames of JSON
    QVERIFY(bytesOut > bytesIn / 2); // the messages went back out to alice, with the acks
    QCOMPARE(chat.value("connections"_L1).toInt(), 1);
    // The busiest events, server-wide: chat:send came in five times, chat:message went out four.
    qint64 sendsIn = 0, messagesOut = 0;
    for (const QJsonObject &frame : ops->received(u"admin:counters"_s).mid(ticks)) {
        for (const QJsonValue event : frame.value("payload"_L1).toObject().value("events"_L1).toArray()) {
            const QJsonObject rate = event.toObject();
            if (rate.value("event"_L1).toString() == "chat:send"_L1)
                sendsIn += rate.value("inPerSecond"_L1).toInteger();
            if (rate.value("event"_L1).toString() == "chat:message"_L1)
                messagesOut += rate.value("outPerSecond"_L1).toInteger();
        }
    }
    QCOMPARE(sendsIn, 5);
    QCOMPARE(messagesOut, 4);
    for (const QJsonValue route : lastPayload(*ops, u"admin:counters"_s).value("routes"_L1).toArray())
        QVERIFY2(!route.toObject().value("route"_L1).toString().startsWith("/_"_L1), "the console's own route is left out");
}

// Follow a user: what their sockets send, and what reaches them (in a room they are in, or to one of
// their sockets, including a tab opened after the tap was set) — not another user's traffic.
void tst_Admin::tapFollowsAUser()
{
    ExampleServer server;
    auto ops = console(server);
    auto alice = server.client(u"/chat"_s, u"alice"_s);
    auto bob = server.client(u"/chat"_s, u"bob"_s);
    QVERIFY(ops && alice && bob);
    QVERIFY(alice->join(u"a-room"_s).ok());
    QVERIFY(bob->join(u"b-room"_s).ok());
    QVERIFY(ops->request(u"admin:tap"_s, QJsonObject{{u"users"_s, QJsonArray{u"alice"_s}}, {u"payloads"_s, true}}).ok());

    QVERIFY(bob->request(u"chat:send"_s, u"bob alone"_s, u"b-room"_s).ok()); // not alice's: not tapped
    QVERIFY(alice->request(u"chat:send"_s, u"from alice"_s, u"a-room"_s).ok());
    QVERIFY(ops->waitFor(u"admin:traffic"_s, 2));
    auto secondTab = server.client(u"/chat"_s, u"alice"_s); // followed from the start
    QVERIFY(secondTab && secondTab->join(u"b-room"_s).ok());
    QVERIFY(bob->request(u"chat:send"_s, u"to alice's room"_s, u"b-room"_s).ok()); // alice is in b-room now
    QVERIFY(ops->waitFor(u"admin:traffic"_s, 4));
    QVERIFY(ops->fence());

    QStringList seen; // "dir event room user payload"
    for (const QJsonObject &frame : ops->received(u"admin:traffic"_s)) {
        const QJsonObject entry = frame.value("payload"_L1).toObject();
        seen.append(QStringList{entry.value("dir"_L1).toString(), entry.value("event"_L1).toString(),
                                entry.value("room"_L1).toString(), entry.value("user"_L1).toString(),
                                entry.value("payload"_L1).toString()}.join(u' '));
    }
    const QString all = seen.join(u" | "_s);
    // alice's send (in, with her id) and its delivery to her room; bob's send into b-room once her
    // second tab is in it — not before, and never bob's own frames in.
    QVERIFY2(seen.contains(u"in chat:send a-room alice from alice"_s), qPrintable(all));
    QVERIFY2(seen.contains(u"out chat:message a-room  from alice"_s), qPrintable(all));
    QVERIFY2(seen.contains(u"out chat:message b-room  to alice's room"_s), qPrintable(all));
    QVERIFY2(!all.contains("bob alone"_L1), qPrintable(all));
    QVERIFY2(seen.filter(QRegularExpression(u"^in .* bob "_s)).isEmpty(), qPrintable(all));
}

void tst_Admin::tapIsFilteredServerSide()
{
    ExampleServer server;
    auto ops = console(server);
    auto alice = server.client(u"/chat"_s, u"alice"_s);
    QVERIFY(ops && alice && alice->join(u"r"_s).ok());
    alice->join(u"other"_s);
    // Nothing is tapped until asked.
    QVERIFY(alice->request(u"chat:send"_s, u"before"_s, u"r"_s).ok());
    // The tap reports as the server handles a frame: had it tapped, ops' fence would come after.
    QVERIFY(ops->expectNoPush(u"admin:traffic"_s));

    const Reply ack = ops->request(u"admin:tap"_s, QJsonObject{{u"events"_s, QJsonArray{u"chat:send"_s, u"chat:message"_s}},
                                                                    {u"rooms"_s, QJsonArray{u"r"_s}}, {u"payloads"_s, true}});
    QVERIFY(ack.ok());
    QVERIFY(alice->request(u"chat:send"_s, QJsonObject{{u"text"_s, u"tapped"_s}}, u"r"_s).ok());
    QVERIFY(alice->request(u"chat:send"_s, u"not this room"_s, u"other"_s).ok());
    QVERIFY(ops->waitFor(u"admin:traffic"_s, 2));
    QVERIFY(ops->fence()); // alice's request into "other" was acked: its traffic would be here by now
    const QList<QJsonObject> traffic = ops->received(u"admin:traffic"_s);
    QCOMPARE(traffic.size(), 2); // in: chat:send, out: chat:message — no acks, no other room
    const QJsonObject in = traffic.at(0).value("payload"_L1).toObject();
    QCOMPARE(in.value("dir"_L1).toString(), u"in"_s);
    QCOMPARE(in.value("event"_L1).toString(), u"chat:send"_s);
    QCOMPARE(in.value("socket"_L1).toString(), alice->socketId());
    QCOMPARE(in.value("payload"_L1).toObject().value("text"_L1).toString(), u"tapped"_s);
    const QJsonObject out = traffic.at(1).value("payload"_L1).toObject();
    QCOMPARE(out.value("dir"_L1).toString(), u"out"_s);
    QCOMPARE(out.value("recipients"_L1).toInt(), 1);

    // Without payloads, and then off.
    ops->request(u"admin:tap"_s, QJsonObject{{u"direction"_s, u"in"_s}});
    QVERIFY(alice->request(u"chat:send"_s, u"x"_s, u"r"_s).ok());
    QVERIFY(ops->waitFor(u"admin:traffic"_s, 3));
    QVERIFY(!ops->received(u"admin:traffic"_s).last().value("payload"_L1).toObject().contains("payload"_L1));
    ops->request(u"admin:tap"_s, QJsonObject{{u"enabled"_s, false}});
    const qsizetype seen = ops->received(u"admin:traffic"_s).size();
    QVERIFY(alice->request(u"chat:send"_s, u"y"_s, u"r"_s).ok());
    QVERIFY(ops->fence());
    QCOMPARE(ops->received(u"admin:traffic"_s).size(), seen);
}

void tst_Admin::actions()
{
    ExampleServer server;
    auto ops = console(server);
    auto alice = server.client(u"/chat"_s, u"alice"_s), bob = server.client(u"/chat"_s, u"bob"_s);
    QVERIFY(ops && alice && bob);

    // Join bypasses the room's rules (user:bob is bob's) and is logged.
    QTest::ignoreMessage(QtInfoMsg, QRegularExpression(u"server-side join by console:ops-admin"_s));
    QVERIFY(ops->request(u"admin:join"_s, QJsonObject{{u"socket"_s, alice->socketId()}, {u"room"_s, u"user:bob"_s}})
                    .payload()[u"changed"].toBool());
    QVERIFY(server.hub().session(alice->socketId())->isInRoom(u"user:bob"_s));
    QVERIFY(bob->join(u"user:bob"_s).ok());

    // Emit to each scope.
    QCOMPARE(ops->request(u"admin:emit"_s, QJsonObject{{u"scope"_s, u"room"_s}, {u"route"_s, u"/chat"_s}, {u"room"_s, u"user:bob"_s},
                                                      {u"event"_s, u"ops:notice"_s}, {u"payload"_s, 1}})
                     .payload()[u"delivered"].toInt(), 2);
    QCOMPARE(ops->request(u"admin:emit"_s, QJsonObject{{u"scope"_s, u"socket"_s}, {u"socket"_s, bob->socketId()}, {u"event"_s, u"ops:notice"_s}})
                     .payload()[u"delivered"].toInt(), 1);
    QCOMPARE(ops->request(u"admin:emit"_s, QJsonObject{{u"scope"_s, u"route"_s}, {u"route"_s, u"/chat"_s}, {u"event"_s, u"ops:notice"_s}})
                     .payload()[u"delivered"].toInt(), 2);
    QCOMPARE(ops->request(u"admin:emit"_s, QJsonObject{{u"scope"_s, u"everyone"_s}, {u"event"_s, u"ops:notice"_s}})
                     .payload()[u"delivered"].toInt(), 2); // consoles are not "everyone"
    QVERIFY(bob->waitFor(u"ops:notice"_s, 4));
    QCOMPARE(errorCode(ops->request(u"admin:emit"_s, QJsonObject{{u"scope"_s, u"planet"_s}, {u"event"_s, u"a:b"_s}})), u"bad_payload"_s);

    // Leave, then disconnect with a reason.
    QVERIFY(ops->request(u"admin:leave"_s, QJsonObject{{u"socket"_s, alice->socketId()}, {u"room"_s, u"user:bob"_s}}).ok());
    QVERIFY(!server.hub().session(alice->socketId())->isInRoom(u"user:bob"_s));
    QVERIFY(ops->request(u"admin:disconnect"_s, QJsonObject{{u"socket"_s, alice->socketId()}, {u"reason"_s, u"spamming"_s}}).ok());
    QVERIFY(alice->waitForDisconnected());
    QCOMPARE(alice->closeCode(), 4009);
    QCOMPARE(alice->closeReason(), u"spamming"_s);
    QCOMPARE(errorCode(ops->request(u"admin:disconnect"_s, QJsonObject{{u"socket"_s, u"nope"_s}})), u"not_found"_s);
}

void tst_Admin::observerMayNotAct()
{
    ExampleServer server;
    auto watcher = console(server, u"observer"_s);
    auto alice = server.client(u"/chat"_s);
    QVERIFY(watcher && alice);
    QCOMPARE(lastPayload(*watcher, u"admin:snapshot"_s).value("you"_L1).toObject().value("role"_L1).toString(), u"observer"_s);
    for (const QString &action : {u"admin:disconnect"_s, u"admin:join"_s, u"admin:leave"_s, u"admin:emit"_s})
        QCOMPARE(errorCode(watcher->request(action, QJsonObject{{u"socket"_s, alice->socketId()}, {u"room"_s, u"x"_s},
                                                                {u"scope"_s, u"everyone"_s}, {u"event"_s, u"a:b"_s}})),
                 u"forbidden"_s);
    QVERIFY(alice->isConnected());
    QVERIFY(alice->received(u"a:b"_s).isEmpty());
    QVERIFY(watcher->request(u"admin:tap"_s, QJsonObject{}).ok()); // watching is fine
    QVERIFY(watcher->request(u"admin:query"_s, QJsonObject{{u"view"_s, u"sockets"_s}}).ok());
}

void tst_Admin::stalledConsoleIsDroppedNotWaitedFor()
{
    cortado::ServerConfig config;
    config.limits.eventsPerSocket = {}; // alice sends 600 at once on purpose
    ExampleServer server(config);
    // A console that completes the handshake, asks for the tap with payloads, and never reads again.
    QTcpSocket stalled;
    stalled.setReadBufferSize(1);
    stalled.connectToHost(QHostAddress::LocalHost, server.port());
    QVERIFY(stalled.waitForConnected(5000));
    const QByteArray token = TestServer::token(u"ops"_s, {u"admin"_s});
    stalled.write("GET /_admin?token=" + token + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
    QTRY_COMPARE(server.hub().sessionCount(), 1);
    const QByteArray tap = R"({"event":"admin:tap","payload":{"payloads":true}})";
    QByteArray frame;
    frame.append(char(0x81)).append(char(0x80 | tap.size())).append(4, '\0').append(tap); // masked with a zero key
    stalled.write(frame);

    auto alice = server.client(u"/chat"_s), bob = server.client(u"/chat"_s);
    QVERIFY(alice && bob && alice->join(u"r"_s).ok() && bob->join(u"r"_s).ok());
    const QString big(8000, u'x');
    QElapsedTimer timer;
    timer.start();
    for (int i = 0; i < 600; ++i)
        alice->send(u"chat:send"_s, big, u"r"_s);
    QVERIFY(bob->waitFor(u"chat:message"_s, 600, 20000)); // the clients were never held up
    qInfo("600 x 8 KB delivered in %lld ms with a stalled console attached", timer.elapsed());
    QTRY_COMPARE(server.hub().sessionCount(), 2); // the console was dropped
    QVERIFY(!server.hub().sessions().contains(nullptr));
}

void tst_Admin::catalogDescribesEachRoutesEvents()
{
    ExampleServer server;
    auto watcher = console(server, u"observer"_s); // reading the catalog is watching: observers too
    QVERIFY(watcher);
    const QJsonObject inSnapshot = lastPayload(*watcher, u"admin:snapshot"_s).value("catalog"_L1).toObject();
    const Reply asked = watcher->request(u"admin:catalog"_s);
    QVERIFY2(asked.ok(), qPrintable(asked.toString()));
    QCOMPARE(asked.payload().toObject(), inSnapshot);

    QHash<QString, QHash<QString, QJsonObject>> events; // route -> event -> entry
    for (const QJsonValue &route : inSnapshot.value("routes"_L1).toArray()) {
        for (const QJsonValue &event : route.toObject().value("events"_L1).toArray())
            events[route.toObject().value("path"_L1).toString()].insert(event.toObject().value("event"_L1).toString(),
                                                                       event.toObject());
    }
    QCOMPARE(events.keys().size(), 2); // /chat and /board; never the internal /_admin
    QVERIFY(events.contains(u"/chat"_s) && events.contains(u"/board"_s));
    const QJsonObject send = events[u"/chat"_s].value(u"chat:send"_s);
    QVERIFY(!send.value("summary"_L1).toString().isEmpty());
    QCOMPARE(send.value("example"_L1).toObject(), (QJsonObject{{u"text"_s, u"hello"_s}}));
    QCOMPARE(send.value("requiresMembership"_L1).toBool(), true);
    QCOMPARE(send.value("schema"_L1).toObject().value("required"_L1).toArray(), QJsonArray{u"text"_s});
    QCOMPARE(events[u"/board"_s].size(), 2);
    QVERIFY(events[u"/board"_s].value(u"board:clear"_s).contains("summary"_L1));
    QVERIFY(!events[u"/board"_s].value(u"board:clear"_s).contains("example"_L1)); // it takes no payload

    QStringList common;
    for (const QJsonValue &event : inSnapshot.value("common"_L1).toArray())
        common.append(event.toObject().value("event"_L1).toString());
    QCOMPARE(common, (QStringList{u"auth:refresh"_s, u"presence:update"_s, u"room:join"_s, u"room:leave"_s}));

    // The example is one the route really takes.
    auto alice = server.client(u"/chat"_s, u"alice"_s);
    QVERIFY(alice && alice->join(u"lobby"_s).ok());
    QVERIFY(alice->request(u"chat:send"_s, send.value("example"_L1), u"lobby"_s).ok());
}

void tst_Admin::mintTokenForTestClients()
{
    ExampleServer server;
    auto ops = console(server);
    QVERIFY(ops);
    QTest::ignoreMessage(QtInfoMsg, QRegularExpression(u"^ops-admin minted a token for user bob with roles "
                                                       "\\[moderator\\], valid 600s$"_s));
    const qint64 before = QDateTime::currentMSecsSinceEpoch();
    const Reply minted = ops->request(u"admin:mint_token"_s,
                                      QJsonObject{{u"user"_s, u"bob"_s}, {u"name"_s, u"Bob"_s},
                                                  {u"roles"_s, QJsonArray{u"moderator"_s}}, {u"ttlSeconds"_s, 600}});
    QVERIFY2(minted.ok(), qPrintable(minted.toString()));
    const QString token = minted.payload().toObject().value("token"_L1).toString();
    const qint64 expiresAt = minted.payload().toObject().value("expiresAt"_L1).toInteger();
    QVERIFY(expiresAt >= before / 1000 * 1000 + 600'000 && expiresAt <= before + 605'000);

    // The token really authenticates, as bob with the moderator role: /board needs a user, and
    // board:clear the role.
    TestClient bob;
    QVERIFY(bob.open(server.wsUrl(u"/board?token="_s + token)));
    QVERIFY(bob.join(u"r1"_s).ok());
    const Reply cleared = bob.request(u"board:clear"_s, {}, u"r1"_s);
    QVERIFY2(cleared.ok(), qPrintable(cleared.toString()));
    const Reply info = ops->request(u"admin:socket_info"_s, QJsonObject{{u"socket"_s, bob.socketId()}});
    QVERIFY2(info.ok(), qPrintable(info.toString()));
    const QJsonObject user = info.payload().toObject().value("user"_L1).toObject();
    QCOMPARE(user.value("id"_L1).toString(), u"bob"_s);
    QCOMPARE(user.value("name"_L1).toString(), u"Bob"_s);
    QCOMPARE(user.value("roles"_L1).toArray(), QJsonArray{u"moderator"_s});

    // Without roles and ttl: no roles (board:clear refused), an hour.
    QTest::ignoreMessage(QtInfoMsg, QRegularExpression(u"minted a token for user carol with roles \\[\\], valid 3600s"_s));
    const Reply plain = ops->request(u"admin:mint_token"_s, QJsonObject{{u"user"_s, u"carol"_s}});
    QVERIFY2(plain.ok(), qPrintable(plain.toString()));
    TestClient carol;
    QVERIFY(carol.open(server.wsUrl(u"/board?token="_s + plain.payload().toObject().value("token"_L1).toString())));
    QVERIFY(carol.join(u"r1"_s).ok());
    QCOMPARE(carol.request(u"board:clear"_s, {}, u"r1"_s).errorCode(), u"forbidden"_s);

    // Observers may not mint.
    auto watcher = console(server, u"observer"_s);
    QVERIFY(watcher);
    QCOMPARE(errorCode(watcher->request(u"admin:mint_token"_s, QJsonObject{{u"user"_s, u"eve"_s}})), u"forbidden"_s);
}

void tst_Admin::mintTokenRefusesBadInput_data()
{
    QTest::addColumn<QJsonValue>("request");
    QTest::newRow("no payload") << QJsonValue(QJsonValue::Undefined);
    QTest::newRow("no user") << QJsonValue(QJsonObject{{u"roles"_s, QJsonArray{u"admin"_s}}});
    QTest::newRow("user too long") << QJsonValue(QJsonObject{{u"user"_s, QString(65, u'x')}});
    QTest::newRow("user not a string") << QJsonValue(QJsonObject{{u"user"_s, 42}});
    QTest::newRow("roles not an array") << QJsonValue(QJsonObject{{u"user"_s, u"a"_s}, {u"roles"_s, u"admin"_s}});
    QTest::newRow("role not a string") << QJsonValue(QJsonObject{{u"user"_s, u"a"_s}, {u"roles"_s, QJsonArray{1}}});
    QTest::newRow("ttl zero") << QJsonValue(QJsonObject{{u"user"_s, u"a"_s}, {u"ttlSeconds"_s, 0}});
    QTest::newRow("ttl over a day") << QJsonValue(QJsonObject{{u"user"_s, u"a"_s}, {u"ttlSeconds"_s, 86401}});
    QTest::newRow("ttl fraction") << QJsonValue(QJsonObject{{u"user"_s, u"a"_s}, {u"ttlSeconds"_s, 1.5}});
    QTest::newRow("name not a string") << QJsonValue(QJsonObject{{u"user"_s, u"a"_s}, {u"name"_s, true}});
}

void tst_Admin::mintTokenRefusesBadInput()
{
    QFETCH(QJsonValue, request);
    ExampleServer server;
    auto ops = console(server);
    QVERIFY(ops);
    const Reply refused = ops->request(u"admin:mint_token"_s, request);
    QCOMPARE(refused.errorCode(), u"bad_payload"_s);
    QVERIFY(!refused.errorMessage().isEmpty());
    QVERIFY(ops->isConnected()); // an error ack, nothing worse
}

QTEST_GUILESS_MAIN(tst_Admin)
#include "tst_admin.moc"
