// cortado-chat-client — the example of docs/qt-client.md: joins a room of the example app's /chat,
// prints what is said there, and sends each line typed on stdin.
//
//   cortado-chat-client ws://127.0.0.1:8080/chat lobby [token]
//
// It keeps going through server restarts: the client reconnects with backoff, rejoins the room
// with `since` and prints what was said meanwhile, once.
#include <cortado/client.h>

#include <QCoreApplication>
#include <QSocketNotifier>
#include <QTextStream>

#include <unistd.h>

using namespace Qt::StringLiterals;

int main(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    if (args.size() < 3) {
        QTextStream(stderr) << "usage: cortado-chat-client ws://HOST:PORT/chat ROOM [TOKEN]\n";
        return 2;
    }
    const QString room = args.at(2);
    QTextStream out(stdout);

    cortado::Client client;
    client.on(u"chat:message"_s, &app, [&out](const QJsonValue &payload, const QJsonObject &frame) {
        out << '[' << frame.value("offset"_L1).toInteger() << "] " << frame.value("from"_L1).toString()
            << ": " << payload.toObject().value("text"_L1).toString() << Qt::endl;
    });
    QObject::connect(&client, &cortado::Client::connected, &app, [&out](const QString &socketId, bool again) {
        out << (again ? "reconnected as " : "connected as ") << socketId << Qt::endl;
    });
    QObject::connect(&client, &cortado::Client::reconnecting, &app, [&out](int attempt, int delayMs, int code) {
        out << "connection lost (" << code << "), attempt " << attempt << " in " << delayMs << " ms" << Qt::endl;
    });
    QObject::connect(&client, &cortado::Client::gap, &app, [&out](const QString &room, qint64 since, qint64 offset) {
        out << "messages " << since + 1 << ".." << offset << " of " << room << " are no longer kept" << Qt::endl;
    });
    QObject::connect(&client, &cortado::Client::stateChanged, &app, [&app](cortado::Client::State state) {
        if (state == cortado::Client::Disconnected) // a final close code: nothing more to do
            app.exit(1);
    });

    client.open(QUrl(args.at(1)), args.value(3));
    client.join(room)->then(&app, [&out, room](const cortado::Reply &reply) {
        if (!reply.ok())
            out << "could not join " << room << ": " << reply.toString() << Qt::endl;
    });

    // Each line typed is a request; its ack (or error: timeout, queue_full, ...) is printed.
    QSocketNotifier input(STDIN_FILENO, QSocketNotifier::Read);
    QByteArray typed;
    QObject::connect(&input, &QSocketNotifier::activated, &app, [&] {
        char buffer[4096];
        const ssize_t size = ::read(STDIN_FILENO, buffer, sizeof buffer);
        if (size <= 0) { // end of input
            input.setEnabled(false);
            client.close();
            app.quit();
            return;
        }
        typed.append(buffer, size);
        for (qsizetype end = typed.indexOf('\n'); end >= 0; end = typed.indexOf('\n')) {
            const QString line = QString::fromUtf8(typed.left(end));
            typed.remove(0, end + 1);
            client.request(u"chat:send"_s, QJsonObject{{u"text"_s, line}}, room)
                    ->then(&app, [&out](const cortado::Reply &reply) { out << reply.toString() << Qt::endl; });
        }
    });
    return app.exec();
}
