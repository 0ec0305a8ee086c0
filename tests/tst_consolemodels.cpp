// The console's models, fed canned admin messages, checked by QAbstractItemModelTester.
#include "adminclient.h"
#include "jsontreemodel.h"

#include <QAbstractItemModelTester>
#include <QtCharts/QLineSeries>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

static QString frame(const QString &event, const QJsonObject &payload)
{
    return QString::fromUtf8(QJsonDocument(QJsonObject{{u"event"_s, event}, {u"payload"_s, payload}}).toJson());
}

static QJsonObject socket(const QString &id, const QString &user, const QJsonArray &rooms = {})
{
    return {{u"id"_s, id}, {u"route"_s, u"/chat"_s}, {u"address"_s, u"127.0.0.1"_s}, {u"connectedAt"_s, 1000},
            {u"user"_s, QJsonObject{{u"id"_s, user}, {u"name"_s, user}, {u"roles"_s, QJsonArray{u"editor"_s}}}},
            {u"rooms"_s, rooms}, {u"messagesIn"_s, 1}, {u"messagesOut"_s, 2}};
}

static QJsonObject snapshot()
{
    return {{u"server"_s, QJsonObject{{u"version"_s, u"0.1.0"_s}}},
            {u"you"_s, QJsonObject{{u"role"_s, u"observer"_s}}},
            {u"sockets"_s, QJsonArray{socket(u"s1"_s, u"alice"_s, {u"lobby"_s}), socket(u"s2"_s, u"bob"_s)}},
            {u"rooms"_s, QJsonArray{QJsonObject{{u"route"_s, u"/chat"_s}, {u"room"_s, u"lobby"_s}, {u"members"_s, 1}, {u"historyLength"_s, 3}}}},
            {u"presence"_s, QJsonArray{QJsonObject{{u"route"_s, u"/chat"_s}, {u"room"_s, u"lobby"_s},
                                                   {u"users"_s, QJsonArray{QJsonObject{{u"id"_s, u"alice"_s}, {u"name"_s, u"Alice"_s}, {u"status"_s, u"away"_s}, {u"connections"_s, 2}}}}}}},
            {u"counters"_s, QJsonObject{{u"messagesIn"_s, 5}}}};
}

class tst_ConsoleModels : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void snapshotThenSocketDeltas();
    void roomsFollowJoinsLeavesAndPresence();
    void filterAndSort();
    void pagesApplyRowByRow();
    void historyBrowserIsBounded();
    void trafficIsABoundedBatchedRing();
    void trafficPauseFilterExport();
    void trafficFieldFiltersMatchWholeNames_data();
    void trafficFieldFiltersMatchWholeNames();
    void historyKeepsAnHourAndPlotsAWindow();
    void payloadAsAFoldableTree();
    void alertsRiseAndClear();
    void nodesFromSnapshotThenLiveDeltas();
    void singleNodeListsItselfWithoutCluster();
};

void tst_ConsoleModels::snapshotThenSocketDeltas()
{
    AdminClient admin;
    QAbstractItemModelTester tester(admin.sockets(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    admin.handleMessage(frame(u"admin:snapshot"_s, snapshot()));
    QCOMPARE(admin.sockets()->rowCount(), 2);
    QCOMPARE(admin.role(), u"observer"_s);

    QSignalSpy inserted(admin.sockets(), &QAbstractItemModel::rowsInserted);
    QSignalSpy reset(admin.sockets(), &QAbstractItemModel::modelReset);
    admin.handleMessage(frame(u"admin:socket"_s, socket(u"s3"_s, u"carol"_s)));
    QCOMPARE(inserted.size(), 1); // a delta, not a reset
    QCOMPARE(reset.size(), 0);
    admin.handleMessage(frame(u"admin:joined"_s, {{u"socket"_s, u"s3"_s}, {u"route"_s, u"/chat"_s}, {u"room"_s, u"b"_s}, {u"members"_s, 1}}));
    QCOMPARE(admin.sockets()->index(2).data(SocketsModel::RoomsRole).toString(), u"b"_s);
    admin.handleMessage(frame(u"admin:socket_closed"_s, {{u"id"_s, u"s1"_s}, {u"code"_s, 1000}}));
    QCOMPARE(admin.sockets()->rowCount(), 2);
    QCOMPARE(admin.sockets()->index(0).data(SocketsModel::IdRole).toString(), u"s2"_s);
    QCOMPARE(admin.sockets()->socket(u"s3"_s).value("user"_L1).toObject().value("id"_L1).toString(), u"carol"_s);
    QCOMPARE(reset.size(), 0);
}

void tst_ConsoleModels::roomsFollowJoinsLeavesAndPresence()
{
    AdminClient admin;
    QAbstractItemModelTester tester(admin.rooms(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    admin.handleMessage(frame(u"admin:snapshot"_s, snapshot()));
    RoomsModel &rooms = *admin.rooms();
    QCOMPARE(rooms.rowCount(), 1);
    QCOMPARE(rooms.index(0).data(RoomsModel::PresenceTextRole).toString(), u"Alice (away, 2 tabs)"_s);
    QCOMPARE(rooms.index(0).data(RoomsModel::HistoryLengthRole).toInt(), 3);

    // A room that is not on the page is not added by a delta: it comes with the next page.
    admin.handleMessage(frame(u"admin:joined"_s, {{u"socket"_s, u"s2"_s}, {u"route"_s, u"/board"_s}, {u"room"_s, u"plan"_s}, {u"members"_s, 1}}));
    QCOMPARE(rooms.rowCount(), 1);
    admin.handleMessage(frame(u"admin:page"_s, {{u"view"_s, u"rooms"_s}, {u"total"_s, 2}, {u"matched"_s, 2}, {u"offset"_s, 0},
                                               {u"rows"_s, QJsonArray{QJsonObject{{u"route"_s, u"/chat"_s}, {u"room"_s, u"lobby"_s}, {u"members"_s, 1}, {u"historyLength"_s, 3},
                                                                                  {u"users"_s, snapshot()[u"presence"_s][0][u"users"_s]}},
                                                                      QJsonObject{{u"route"_s, u"/board"_s}, {u"room"_s, u"plan"_s}, {u"members"_s, 1}}}}}));
    QCOMPARE(rooms.rowCount(), 2);
    QCOMPARE(admin.roomsTotal(), 2);
    QCOMPARE(rooms.index(0).data(RoomsModel::PresenceTextRole).toString(), u"Alice (away, 2 tabs)"_s);
    admin.handleMessage(frame(u"admin:presence"_s, {{u"route"_s, u"/board"_s}, {u"room"_s, u"plan"_s},
                                                   {u"users"_s, QJsonArray{QJsonObject{{u"name"_s, u"Bob"_s}, {u"status"_s, u"online"_s}, {u"connections"_s, 1}}}}}));
    QCOMPARE(rooms.index(1).data(RoomsModel::PresenceTextRole).toString(), u"Bob (online)"_s);
    admin.handleMessage(frame(u"admin:left"_s, {{u"socket"_s, u"s2"_s}, {u"route"_s, u"/board"_s}, {u"room"_s, u"plan"_s}, {u"members"_s, 0}}));
    QCOMPARE(rooms.rowCount(), 1); // empty rooms disappear here too
    // A crowded room: the first users and how many more.
    admin.handleMessage(frame(u"admin:presence"_s, {{u"route"_s, u"/chat"_s}, {u"room"_s, u"lobby"_s}, {u"count"_s, 26},
                                                   {u"users"_s, QJsonArray{QJsonObject{{u"name"_s, u"Bob"_s}, {u"status"_s, u"online"_s}, {u"connections"_s, 1}}}}}));
    QCOMPARE(rooms.index(0).data(RoomsModel::PresenceTextRole).toString(), u"Bob (online), +25 more"_s);

    // The counters tick refreshes history figures in place.
    QSignalSpy changed(&rooms, &QAbstractItemModel::dataChanged);
    admin.handleMessage(frame(u"admin:counters"_s, {{u"roomSummaries"_s, QJsonArray{QJsonObject{
            {u"route"_s, u"/chat"_s}, {u"room"_s, u"lobby"_s}, {u"members"_s, 1}, {u"historyLength"_s, 9}, {u"offset"_s, 9}}}}}));
    QCOMPARE(rooms.index(0).data(RoomsModel::HistoryLengthRole).toInt(), 9);
    QCOMPARE(changed.size(), 1);
}

// A page from the server replaces the shown rows with inserts, moves, removes and changes: views
// keep their delegates and selection (no reset), and the counts follow.
void tst_ConsoleModels::pagesApplyRowByRow()
{
    AdminClient admin;
    QAbstractItemModelTester tester(admin.sockets(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    admin.handleMessage(frame(u"admin:snapshot"_s, snapshot()));
    SocketsModel &sockets = *admin.sockets();
    QSignalSpy reset(&sockets, &QAbstractItemModel::modelReset);
    QSignalSpy moved(&sockets, &QAbstractItemModel::rowsMoved);
    QSignalSpy pageChanged(&admin, &AdminClient::socketsPageChanged);
    auto page = [&admin](const QJsonArray &rows, int offset, int matched) {
        admin.handleMessage(frame(u"admin:page"_s, {{u"view"_s, u"sockets"_s}, {u"rows"_s, rows}, {u"offset"_s, offset},
                                                   {u"matched"_s, matched}, {u"total"_s, 1000}}));
    };
    auto ids = [&sockets] {
        QStringList result;
        for (int row = 0; row < sockets.rowCount(); ++row)
            result.append(sockets.index(row).data(SocketsModel::IdRole).toString());
        return result;
    };

    QJsonObject alice = socket(u"s1"_s, u"alice"_s, {u"lobby"_s});
    alice.insert(u"messagesIn"_s, 7);
    page({socket(u"s3"_s, u"carol"_s), socket(u"s2"_s, u"bob"_s), alice}, 40, 900);
    QCOMPARE(ids(), (QStringList{u"s3"_s, u"s2"_s, u"s1"_s}));
    QCOMPARE(sockets.index(2).data(SocketsModel::MessagesInRole).toInt(), 7);
    QVERIFY(moved.size() >= 1);
    QCOMPARE(admin.socketsOffset(), 40);
    QCOMPARE(admin.socketsMatched(), 900);
    QCOMPARE(admin.socketsTotal(), 1000);
    QCOMPARE(pageChanged.size(), 1);
    QCOMPARE(sockets.socket(u"s1"_s).value("messagesIn"_L1).toInt(), 7); // the id index follows the moves

    page({socket(u"s4"_s, u"dave"_s), socket(u"s1"_s, u"alice"_s), socket(u"s5"_s, u"erin"_s)}, 0, 3);
    QCOMPARE(ids(), (QStringList{u"s4"_s, u"s1"_s, u"s5"_s}));
    QCOMPARE(sockets.socket(u"s5"_s).value("user"_L1)[u"id"_s].toString(), u"erin"_s);
    page({}, 0, 0);
    QCOMPARE(sockets.rowCount(), 0);
    QCOMPARE(reset.size(), 0);
}

// Older pages append at the end; the browser holds at most HistoryModel::MaxRows rows.
void tst_ConsoleModels::historyBrowserIsBounded()
{
    HistoryModel history;
    QAbstractItemModelTester tester(&history, QAbstractItemModelTester::FailureReportingMode::QtTest);
    auto page = [](int newest, int count) {
        QJsonArray rows;
        for (int offset = newest; offset > newest - count; --offset)
            rows.append(QJsonObject{{u"offset"_s, offset}, {u"time"_s, 1000}, {u"event"_s, u"chat:message"_s},
                                    {u"payload"_s, offset % 2 ? QJsonValue(u"odd"_s) : QJsonValue(QJsonObject{{u"n"_s, offset}})}});
        return rows;
    };
    QVERIFY(history.appendOlder(page(10'000, 200)));
    QCOMPARE(history.index(0).data(HistoryModel::OffsetRole).toInt(), 10'000);
    QCOMPARE(history.index(0).data(HistoryModel::PayloadRole).toString(), uR"({"n":10000})"_s);
    QCOMPARE(history.index(1).data(HistoryModel::PayloadRole).toString(), uR"("odd")"_s);
    for (int newest = 9'800; history.appendOlder(page(newest, 200)); newest -= 200) {
    }
    QCOMPARE(history.rowCount(), HistoryModel::MaxRows);
    QVERIFY(history.full());
    QVERIFY(!history.appendOlder(page(1, 1)));
    QCOMPARE(history.index(HistoryModel::MaxRows - 1).data(HistoryModel::OffsetRole).toInt(), 10'000 - HistoryModel::MaxRows + 1);
    history.clear();
    QCOMPARE(history.rowCount(), 0);
}

void tst_ConsoleModels::filterAndSort()
{
    AdminClient admin;
    admin.handleMessage(frame(u"admin:snapshot"_s, snapshot()));
    SocketsFilter filter;
    filter.setSourceModel(admin.sockets());
    QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
    filter.setFilter(u"bob"_s);
    QCOMPARE(filter.rowCount(), 1);
    filter.setFilter(u"lobby"_s); // rooms count too
    QCOMPARE(filter.socketIdAt(0), u"s1"_s);
    filter.setFilter({});
    filter.setSortKey(u"user"_s);
    filter.setDescending(true);
    QCOMPARE(filter.socketIdAt(0), u"s2"_s); // bob before alice
}

void tst_ConsoleModels::trafficIsABoundedBatchedRing()
{
    TrafficModel traffic(100);
    QAbstractItemModelTester tester(&traffic, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy inserted(&traffic, &QAbstractItemModel::rowsInserted);
    for (int i = 0; i < 250; ++i)
        traffic.append({{u"t"_s, 1000 + i}, {u"dir"_s, u"in"_s}, {u"event"_s, u"chat:send"_s}, {u"payload"_s, i}});
    QCOMPARE(traffic.rowCount(), 0); // nothing until the next frame
    QTRY_COMPARE(traffic.rowCount(), 100);
    QCOMPARE(inserted.size(), 1); // one model update for the whole burst
    QCOMPARE(traffic.index(0).data(TrafficModel::PayloadRole).toString(), u"150"_s); // the newest 100 kept
    for (int i = 0; i < 30; ++i)
        traffic.append({{u"t"_s, 2000 + i}, {u"dir"_s, u"out"_s}, {u"event"_s, u"chat:message"_s}, {u"payload"_s, 1000 + i}});
    traffic.flush();
    QCOMPARE(traffic.rowCount(), 100);
    QCOMPARE(traffic.index(99).data(TrafficModel::PayloadRole).toString(), u"1029"_s);
    QCOMPARE(traffic.index(0).data(TrafficModel::PayloadRole).toString(), u"180"_s);
}

void tst_ConsoleModels::trafficPauseFilterExport()
{
    TrafficModel traffic;
    traffic.append({{u"t"_s, 1}, {u"dir"_s, u"in"_s}, {u"route"_s, u"/chat"_s}, {u"event"_s, u"chat:send"_s}, {u"room"_s, u"a"_s}, {u"payload"_s, QJsonObject{{u"k"_s, 1}}}});
    traffic.append({{u"t"_s, 2}, {u"dir"_s, u"out"_s}, {u"route"_s, u"/board"_s}, {u"event"_s, u"board:updated"_s}, {u"room"_s, u"b"_s}});
    traffic.flush();
    traffic.setPaused(true);
    traffic.append({{u"t"_s, 3}, {u"dir"_s, u"in"_s}, {u"event"_s, u"x:y"_s}});
    traffic.flush();
    QCOMPARE(traffic.rowCount(), 2);
    QCOMPARE(traffic.missed(), 1);
    traffic.setPaused(false);

    TrafficFilter filter;
    filter.setSourceModel(&traffic);
    QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
    filter.setDirection(u"in"_s);
    QCOMPARE(filter.rowCount(), 1);
    QVERIFY(filter.prettyPayload(0).contains(u"\"k\": 1"_s));
    filter.setDirection({});
    filter.setRoute(u"/board"_s);
    QCOMPARE(filter.rowCount(), 1);

    QTemporaryDir dir;
    const QString path = dir.filePath(u"traffic.jsonl"_s);
    QCOMPARE(filter.exportJsonLines(path), 1);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().trimmed().split('\n');
    QCOMPARE(lines.size(), 1);
    QCOMPARE(QJsonDocument::fromJson(lines.first()).object().value("event"_L1).toString(), u"board:updated"_s);
}

// Following room "lobby" shows lobby's traffic, not lobby2's: route, event, room and socket are
// whole names, as the server's tap compares them. The search alone looks inside the text.
void tst_ConsoleModels::trafficFieldFiltersMatchWholeNames_data()
{
    QTest::addColumn<QByteArray>("field"); // the TrafficFilter property set
    QTest::addColumn<QString>("value");
    QTest::addColumn<QList<int>>("shown"); // the rows shown, by their "t"

    QTest::newRow("room") << "room"_ba << u"lobby"_s << QList<int>{1};
    QTest::newRow("room, a longer name") << "room"_ba << u"lobby2"_s << QList<int>{2};
    QTest::newRow("room, a part of a name") << "room"_ba << u"lob"_s << QList<int>{};
    QTest::newRow("room, another case") << "room"_ba << u"Lobby"_s << QList<int>{};
    QTest::newRow("socket") << "socket"_ba << u"s1"_s << QList<int>{1};
    QTest::newRow("route") << "route"_ba << u"/chat"_s << QList<int>{1};
    QTest::newRow("event") << "event"_ba << u"chat:send"_s << QList<int>{1};
    QTest::newRow("user") << "user"_ba << u"al"_s << QList<int>{3};
    QTest::newRow("search: a part, any case") << "search"_ba << u"LOB"_s << QList<int>{1, 2};
    QTest::newRow("search in the payload") << "search"_ba << u"needle"_s << QList<int>{2};
}

void tst_ConsoleModels::trafficFieldFiltersMatchWholeNames()
{
    QFETCH(QByteArray, field);
    QFETCH(QString, value);
    QFETCH(QList<int>, shown);

    TrafficModel traffic;
    traffic.append({{u"t"_s, 1}, {u"dir"_s, u"in"_s}, {u"route"_s, u"/chat"_s}, {u"event"_s, u"chat:send"_s},
                    {u"room"_s, u"lobby"_s}, {u"socket"_s, u"s1"_s}, {u"user"_s, u"alice"_s}});
    traffic.append({{u"t"_s, 2}, {u"dir"_s, u"in"_s}, {u"route"_s, u"/chat2"_s}, {u"event"_s, u"chat:send2"_s},
                    {u"room"_s, u"lobby2"_s}, {u"socket"_s, u"s10"_s}, {u"user"_s, u"bob"_s},
                    {u"payload"_s, QJsonObject{{u"text"_s, u"a needle"_s}}}});
    traffic.append({{u"t"_s, 3}, {u"dir"_s, u"in"_s}, {u"route"_s, u"/board"_s}, {u"event"_s, u"board:update"_s},
                    {u"room"_s, u"plans"_s}, {u"socket"_s, u"s3"_s}, {u"user"_s, u"al"_s}});
    traffic.flush();

    TrafficFilter filter;
    filter.setSourceModel(&traffic);
    QAbstractItemModelTester tester(&filter, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(filter.rowCount(), 3);
    QVERIFY(filter.setProperty(field.constData(), value));
    QList<int> rows;
    for (int row = 0; row < filter.rowCount(); ++row)
        rows.append(filter.index(row, 0).data(TrafficModel::JsonRole).toJsonObject().value("t"_L1).toInt());
    QCOMPARE(rows, shown);
}

// The Overview's charts: an hour of one-second counters, a window of it handed to a real Qt Charts
// series with times on x, and the error codes seen in the window.
void tst_ConsoleModels::historyKeepsAnHourAndPlotsAWindow()
{
    AdminClient admin;
    MetricsHistory &history = *admin.metricsHistory();
    const qint64 start = 1'700'000'000'000;
    const int samples = MetricsHistory::Capacity + 30;
    for (int i = 0; i < samples; ++i) {
        QJsonObject counters{{u"t"_s, start + i * 1000LL}, {u"inPerSecond"_s, i}, {u"outPerSecond"_s, 2 * i}, {u"connections"_s, 7}};
        if (i >= samples - 10 && i % 2 == 0) // rate_limited in five of the last ten seconds
            counters.insert(u"errorsByCode"_s, QJsonObject{{u"rate_limited"_s, 3}});
        if (i == samples - 1)
            counters.insert(u"handlerMs"_s, QJsonObject{{u"p50"_s, 0.2}, {u"p99"_s, 1.5}});
        admin.handleMessage(frame(u"admin:counters"_s, counters));
    }
    QCOMPARE(history.size(), MetricsHistory::Capacity); // an hour, the oldest dropped
    QCOMPARE(history.lastTime(), start + (samples - 1) * 1000LL);
    QCOMPARE(admin.counters().value(u"connections"_s).toInt(), 7);

    QLineSeries line;
    QVERIFY(history.plot(&line, u"inPerSecond"_s, 300));
    QCOMPARE(line.count(), 301); // the last five minutes, both ends included
    QCOMPARE(line.at(300), QPointF(double(history.lastTime()), samples - 1));
    QCOMPARE(line.at(0).x(), double(history.lastTime() - 300'000));
    QVERIFY(history.plot(&line, u"outPerSecond"_s, 3600));
    QCOMPARE(line.count(), MetricsHistory::Capacity);
    QCOMPARE(history.peak({u"inPerSecond"_s, u"outPerSecond"_s}, 60), 2.0 * (samples - 1));

    // Handler times came once: one point, not a line of zeros.
    QVERIFY(history.plot(&line, u"handlerP99Ms"_s, 300));
    QCOMPARE(line.count(), 1);
    QCOMPARE(history.latest(u"handlerP99Ms"_s), 1.5);

    // An error code counts 0 in the seconds it was not sent.
    QCOMPARE(history.errorCodes(300), QStringList{u"rate_limited"_s});
    QVERIFY(history.plot(&line, u"error:rate_limited"_s, 9));
    QCOMPARE(line.count(), 10);
    qreal sum = 0;
    for (const QPointF &point : line.points())
        sum += point.y();
    QCOMPARE(sum, 15.0);
    QVERIFY(!history.plot(&admin, u"inPerSecond"_s, 300)); // not an XY series
}

// The Traffic page's payload tree: keys and values, containers summarised, bad JSON marked invalid.
void tst_ConsoleModels::payloadAsAFoldableTree()
{
    JsonTreeModel tree;
    QAbstractItemModelTester tester(&tree, QAbstractItemModelTester::FailureReportingMode::QtTest);
    tree.setJson(uR"({"text":"hi","n":2,"tags":["a",{"deep":null}],"ok":true})"_s);
    QVERIFY(tree.valid());
    QCOMPARE(tree.rowCount(), 4); // QJsonObject orders keys: n, ok, tags, text
    const auto find = [&](const QString &key, const QModelIndex &parent = {}) {
        for (int row = 0; row < tree.rowCount(parent); ++row) {
            const QModelIndex index = tree.index(row, 0, parent);
            if (index.data(JsonTreeModel::KeyRole).toString() == key)
                return index;
        }
        return QModelIndex();
    };
    QCOMPARE(find(u"text"_s).data(JsonTreeModel::ValueRole).toString(), u"\"hi\""_s);
    QCOMPARE(find(u"n"_s).data(JsonTreeModel::KindRole).toString(), u"number"_s);
    const QModelIndex tags = find(u"tags"_s);
    QCOMPARE(tags.data(JsonTreeModel::ValueRole).toString(), u"[2 items]"_s);
    QCOMPARE(tree.rowCount(tags), 2);
    const QModelIndex second = tree.index(1, 0, tags);
    QCOMPARE(second.data(JsonTreeModel::ValueRole).toString(), u"{1 key}"_s);
    QCOMPARE(tree.parent(second), tags);
    QCOMPARE(tree.index(0, 0, second).data(Qt::DisplayRole).toString(), u"deep: null"_s);

    tree.setJson(u"\"just a string\""_s);
    QVERIFY(tree.valid());
    QCOMPARE(tree.rowCount(), 0); // a bare value has no members to fold
    tree.setJson(u"{not json"_s);
    QVERIFY(!tree.valid());
    QCOMPARE(tree.rowCount(), 0);

    // A huge payload is cut at MaxNodes with a "…" row, not built whole.
    QJsonArray many;
    for (int i = 0; i < JsonTreeModel::MaxNodes + 50; ++i)
        many.append(i);
    tree.setJson(QString::fromUtf8(QJsonDocument(many).toJson(QJsonDocument::Compact)));
    QCOMPARE(tree.rowCount(), JsonTreeModel::MaxNodes + 1);
    QCOMPARE(tree.index(JsonTreeModel::MaxNodes, 0).data(JsonTreeModel::KindRole).toString(), u"more"_s);
}

// Alerts rise when their rule holds and clear when it stops; errors come before warnings.
void tst_ConsoleModels::alertsRiseAndClear()
{
    AdminClient admin;
    AlertsModel &alerts = *admin.alerts();
    QAbstractItemModelTester tester(&alerts, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const QJsonObject storageUp{{u"connected"_s, true}, {u"backlog"_s, 0}, {u"commitLagMs"_s, 0}};
    qint64 t = 1'700'000'000'000;
    const auto tick = [&](QJsonObject counters) {
        counters.insert(u"t"_s, t += 1000);
        if (!counters.contains("storage"_L1))
            counters.insert(u"storage"_s, storageUp);
        admin.handleMessage(frame(u"admin:counters"_s, counters));
    };
    const auto keys = [&] {
        QStringList keys;
        for (int row = 0; row < alerts.rowCount(); ++row)
            keys.append(alerts.index(row).data(AlertsModel::KeyRole).toString());
        return keys;
    };

    tick({});
    QCOMPARE(alerts.rowCount(), 0);

    tick({{u"slowConsumersPerSecond"_s, 2}});
    QCOMPARE(keys(), QStringList{u"slow-consumers"_s});
    QVERIFY(alerts.index(0).data(AlertsModel::DetailRole).toString().startsWith("2 in the last minute"_L1));

    // Refused handshakes: a few are normal, a spike is not.
    for (int i = 0; i < 5; ++i)
        tick({{u"refusedHandshakesPerSecond"_s, 2}});
    QVERIFY(!keys().contains(u"refused-handshakes"_s));
    for (int i = 0; i < 10; ++i)
        tick({{u"refusedHandshakesPerSecond"_s, 2}});
    QVERIFY(keys().contains(u"refused-handshakes"_s));

    tick({{u"errorsByCode"_s, QJsonObject{{u"rate_limited"_s, 4}}},
          {u"storage"_s, QJsonObject{{u"connected"_s, false}, {u"backlog"_s, 12}, {u"lastError"_s, u"disk full"_s}}}});
    QCOMPARE(keys().first(), u"storage-down"_s); // the error first
    QCOMPARE(alerts.index(0).data(AlertsModel::SeverityRole).toString(), u"error"_s);
    QVERIFY(alerts.index(0).data(AlertsModel::DetailRole).toString().contains("disk full"_L1));
    QVERIFY(keys().contains(u"rate-limited"_s));
    QCOMPARE(alerts.errors(), 1);

    tick({{u"storage"_s, QJsonObject{{u"connected"_s, true}, {u"backlog"_s, 900}, {u"commitLagMs"_s, 8000}}}});
    QVERIFY(!keys().contains(u"storage-down"_s));
    QVERIFY(keys().contains(u"storage-lag"_s));

    // A quiet minute: the warnings of the last minute clear one by one.
    for (int i = 0; i < AlertsModel::WindowSeconds; ++i)
        tick({});
    QCOMPARE(alerts.rowCount(), 0);

    // Redis away in cluster mode is an error of its own.
    admin.handleMessage(frame(u"admin:nodes"_s, {{u"nodes"_s, QJsonArray{}}, {u"cluster"_s, QJsonObject{{u"redis"_s, u"down"_s}, {u"lastError"_s, u"connection refused"_s}}}}));
    tick({});
    QCOMPARE(keys(), QStringList{u"redis"_s});
    admin.handleMessage(frame(u"admin:nodes"_s, {{u"nodes"_s, QJsonArray{}}, {u"cluster"_s, QJsonObject{{u"redis"_s, u"up"_s}}}}));
    tick({});
    QCOMPARE(alerts.rowCount(), 0);
}

static QJsonObject node(const QString &id, qint64 lastHeartbeatMs, int connections, bool self = false)
{
    return {{u"id"_s, id}, {u"address"_s, u"http://127.0.0.1:80%1"_s.arg(id.size())}, {u"startedAt"_s, 1000},
            {u"uptimeMs"_s, 3'723'000}, {u"connections"_s, connections}, {u"rooms"_s, 2},
            {u"messagesPerSecond"_s, 12.5}, {u"lastHeartbeatMs"_s, lastHeartbeatMs}, {u"self"_s, self}};
}

// The Nodes view: this node first, then the others in the feed's order; a node not heard from for
// over 5 s is "silent"; admin:nodes updates rows in place, adds and removes nodes without a reset.
void tst_ConsoleModels::nodesFromSnapshotThenLiveDeltas()
{
    AdminClient admin;
    NodesModel &nodes = *admin.nodes();
    QAbstractItemModelTester tester(&nodes, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy cluster(&admin, &AdminClient::clusterChanged);
    QJsonObject payload = snapshot();
    payload.insert(u"node"_s, u"a"_s);
    payload.insert(u"cluster"_s, QJsonObject{{u"redis"_s, u"up"_s}});
    payload.insert(u"nodes"_s, QJsonArray{node(u"a"_s, 0, 5, true), node(u"b"_s, 1200, 7), node(u"c"_s, 6100, 3)});
    admin.handleMessage(frame(u"admin:snapshot"_s, payload));
    QVERIFY(admin.clusterMode());
    QVERIFY(admin.redisUp());
    QCOMPARE(admin.nodeId(), u"a"_s);
    QCOMPARE(cluster.size(), 1);

    QCOMPARE(nodes.rowCount(), 3);
    const QModelIndex a = nodes.index(0), b = nodes.index(1), c = nodes.index(2);
    QCOMPARE(a.data(NodesModel::IdRole).toString(), u"a"_s);
    QVERIFY(a.data(NodesModel::SelfRole).toBool());
    QCOMPARE(a.data(NodesModel::StateRole).toString(), u"ok"_s);
    QCOMPARE(b.data(NodesModel::AddressRole).toString(), u"http://127.0.0.1:801"_s);
    QCOMPARE(b.data(NodesModel::UptimeRole).toString(), u"1 h 02 min"_s);
    QCOMPARE(b.data(NodesModel::UptimeMsRole).toLongLong(), 3'723'000);
    QCOMPARE(b.data(NodesModel::ConnectionsRole).toLongLong(), 7);
    QCOMPARE(b.data(NodesModel::RoomsRole).toLongLong(), 2);
    QCOMPARE(b.data(NodesModel::MessagesPerSecondRole).toDouble(), 12.5);
    QCOMPARE(b.data(NodesModel::LastHeartbeatRole).toLongLong(), 1200);
    QVERIFY(!b.data(NodesModel::SelfRole).toBool());
    QCOMPARE(b.data(NodesModel::StateRole).toString(), u"ok"_s);
    QCOMPARE(c.data(NodesModel::StateRole).toString(), u"silent"_s); // 6.1 s without a heartbeat
    const QHash<int, QByteArray> names = nodes.roleNames();
    for (const QByteArray name : {"nodeId", "address", "uptime", "connections", "rooms", "messagesPerSecond",
                                  "lastHeartbeat", "self", "state"})
        QVERIFY2(names.values().contains(name), name.constData());

    // Live figures: c is gone, d joined, b's figures moved; Redis went away.
    QSignalSpy reset(&nodes, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&nodes, &QAbstractItemModel::dataChanged);
    QSignalSpy removed(&nodes, &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserted(&nodes, &QAbstractItemModel::rowsInserted);
    admin.handleMessage(frame(u"admin:nodes"_s, {{u"nodes"_s, QJsonArray{node(u"a"_s, 0, 5, true), node(u"b"_s, 300, 9), node(u"d"_s, 100, 1)}},
                                                 {u"cluster"_s, QJsonObject{{u"redis"_s, u"down"_s}, {u"lastError"_s, u"Connection refused"_s}}}}));
    QCOMPARE(reset.size(), 0);
    QCOMPARE(removed.size(), 1);
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(changed.size(), 1); // b only: a did not change
    QStringList ids;
    for (int row = 0; row < nodes.rowCount(); ++row)
        ids.append(nodes.index(row).data(NodesModel::IdRole).toString());
    QCOMPARE(ids, (QStringList{u"a"_s, u"b"_s, u"d"_s}));
    QCOMPARE(nodes.index(1).data(NodesModel::ConnectionsRole).toLongLong(), 9);
    QVERIFY(!admin.redisUp());
    QCOMPARE(admin.redisError(), u"Connection refused"_s);
    QCOMPARE(cluster.size(), 2);
}

// A single node (no "node", no "cluster"): not cluster mode, and the list is this node alone.
void tst_ConsoleModels::singleNodeListsItselfWithoutCluster()
{
    AdminClient admin;
    QJsonObject payload = snapshot();
    payload.insert(u"nodes"_s, QJsonArray{node(QString(), 0, 2, true)});
    admin.handleMessage(frame(u"admin:snapshot"_s, payload));
    QVERIFY(!admin.clusterMode());
    QCOMPARE(admin.nodes()->rowCount(), 1);
    QVERIFY(admin.nodes()->index(0).data(NodesModel::SelfRole).toBool());
    QCOMPARE(NodesModel::formatUptime(59'000), u"59 s"_s);
    QCOMPARE(NodesModel::formatUptime(125'000), u"2 min 05 s"_s);
    QCOMPARE(NodesModel::formatUptime(2 * 86'400'000 + 3 * 3'600'000), u"2 d 3 h"_s);
}

QTEST_MAIN(tst_ConsoleModels)
#include "tst_consolemodels.moc"
