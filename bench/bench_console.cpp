// bench_console: can the console's models keep up with a big, busy server? Feeds an AdminClient the
// messages a server with 10,000 sockets would send — the snapshot, a burst of socket deltas, and a
// second of a busy tap — and prints how long each takes on the GUI thread.
#include "adminclient.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>

#include <cstdio>

using namespace Qt::StringLiterals;

static QJsonObject socket(int i)
{
    return {{u"id"_s, u"socket-%1"_s.arg(i)}, {u"route"_s, u"/chat"_s}, {u"address"_s, u"10.0.0.1"_s},
            {u"connectedAt"_s, 1'700'000'000'000LL + i}, {u"rooms"_s, QJsonArray{u"room-%1"_s.arg(i % 500)}},
            {u"user"_s, QJsonObject{{u"id"_s, u"user-%1"_s.arg(i)}, {u"name"_s, u"User %1"_s.arg(i)}, {u"roles"_s, QJsonArray{u"editor"_s}}}},
            {u"messagesIn"_s, i}, {u"messagesOut"_s, 2 * i}};
}

static QString frame(const QString &event, const QJsonObject &payload)
{
    return QString::fromUtf8(QJsonDocument(QJsonObject{{u"event"_s, event}, {u"payload"_s, payload}}).toJson(QJsonDocument::Compact));
}

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    AdminClient admin;
    SocketsFilter filter;
    filter.setSourceModel(admin.sockets());
    QElapsedTimer timer;

    QJsonArray sockets, rooms;
    for (int i = 0; i < 10'000; ++i)
        sockets.append(socket(i));
    for (int i = 0; i < 500; ++i)
        rooms.append(QJsonObject{{u"route"_s, u"/chat"_s}, {u"room"_s, u"room-%1"_s.arg(i)}, {u"members"_s, 20}});
    const QString snapshot = frame(u"admin:snapshot"_s, {{u"server"_s, QJsonObject{}}, {u"you"_s, QJsonObject{}},
                                                         {u"sockets"_s, sockets}, {u"rooms"_s, rooms}});
    timer.start();
    admin.handleMessage(snapshot);
    std::printf("cortado bench_console: the console's models on one thread\n");
    std::printf("  snapshot of 10,000 sockets, 500 rooms (sorted view)   %8.1f ms\n", timer.nsecsElapsed() / 1e6);

    timer.start();
    for (int i = 0; i < 1000; ++i) {
        admin.handleMessage(frame(u"admin:socket_closed"_s, {{u"id"_s, u"socket-%1"_s.arg(i * 7)}, {u"code"_s, 1000}}));
        admin.handleMessage(frame(u"admin:socket"_s, socket(20'000 + i)));
    }
    std::printf("  1,000 disconnects + 1,000 connects (deltas)           %8.1f ms  (%.1f us each)\n",
                timer.nsecsElapsed() / 1e6, timer.nsecsElapsed() / 1e3 / 2000);

    timer.start();
    for (int i = 0; i < 5000; ++i)
        admin.handleMessage(frame(u"admin:traffic"_s, {{u"t"_s, 1}, {u"dir"_s, u"in"_s}, {u"route"_s, u"/chat"_s},
                                                      {u"event"_s, u"chat:send"_s}, {u"room"_s, u"room-1"_s},
                                                      {u"socket"_s, u"socket-1"_s}, {u"size"_s, 80},
                                                      {u"payload"_s, QJsonObject{{u"text"_s, u"hello"_s}}}}));
    const double parse = timer.nsecsElapsed() / 1e6;
    timer.start();
    admin.traffic()->flush();
    std::printf("  5,000 tap events: parse %6.1f ms, one batched model insert %6.1f ms (ring of %d)\n", parse,
                timer.nsecsElapsed() / 1e6, admin.traffic()->capacity());
    return admin.sockets()->rowCount() == 10'000 ? 0 : 1;
}
