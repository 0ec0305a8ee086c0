// The console's playground against a real example server: the event catalog from the admin channel,
// schema validation before sending, test clients signed in with tokens the server mints, side by
// side, each ack's round trip, and templates exported and imported as a file.
#include "adminclient.h"
#include "playground.h"
#include "testserver.h"

#include <QAbstractItemModelTester>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;

namespace {

QString wsBase(const TestServer &server)
{
    return server.wsUrl(u"/"_s).toString(QUrl::RemovePath);
}

QStringList eventNames(const QVariantList &events)
{
    QStringList names;
    for (const QVariant &event : events)
        names.append(event.toMap().value(u"event"_s).toString());
    return names;
}

QString frame(const QJsonObject &object)
{
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Compact));
}

} // namespace

class tst_Playground : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void catalogListsEachRoutesEventsAndPrefillsTheExample();
    void validationRefusesAPayloadThatBreaksTheSchema();
    void aliceAndBobSideBySideWithMintedTokens();
    void observerCannotMintAndTheClientSaysWhy();
    void templatesExportImportRoundTrip();
    void importRefusesABadFileAndChangesNothing();

private:
    // An admin console (or an observer's) connected to the example server, its catalog in.
    bool connectConsole(const QString &role = u"admin"_s);

    std::unique_ptr<ExampleServer> m_server;
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<AdminClient> m_admin;
    std::unique_ptr<Playground> m_playground;
};

void tst_Playground::init()
{
    m_server = std::make_unique<ExampleServer>();
    QVERIFY(m_server->isListening());
    m_dir = std::make_unique<QTemporaryDir>();
    m_admin = std::make_unique<AdminClient>();
    m_playground = std::make_unique<Playground>(m_dir->filePath(u"console.ini"_s), m_admin.get());
}

void tst_Playground::cleanup()
{
    m_playground.reset();
    m_admin.reset();
    m_server.reset();
    m_dir.reset();
}

bool tst_Playground::connectConsole(const QString &role)
{
    QSignalSpy snapshot(m_admin.get(), &AdminClient::snapshotApplied);
    m_admin->connectTo(wsBase(*m_server), QString::fromLatin1(TestServer::token(u"ops"_s, {role})));
    return snapshot.wait(5000) || !snapshot.isEmpty();
}

void tst_Playground::catalogListsEachRoutesEventsAndPrefillsTheExample()
{
    QSignalSpy catalogChanged(m_playground.get(), &Playground::catalogChanged);
    QVERIFY(connectConsole(u"observer"_s)); // the catalog is for watchers too
    QVERIFY(!catalogChanged.isEmpty());
    QStringList routes = m_playground->catalogRoutes();
    routes.sort();
    QCOMPARE(routes, (QStringList{u"/board"_s, u"/chat"_s}));

    // The route's own events first, then the ones every route answers.
    const QVariantList events = m_playground->events(u"/chat"_s);
    QCOMPARE(eventNames(events),
             (QStringList{u"chat:send"_s, u"auth:refresh"_s, u"presence:update"_s, u"room:join"_s, u"room:leave"_s}));
    const QVariantMap send = events.first().toMap();
    QVERIFY(!send.value(u"summary"_s).toString().isEmpty());
    QCOMPARE(send.value(u"requiresMembership"_s).toBool(), true);
    QCOMPARE(send.value(u"hasSchema"_s).toBool(), true);
    QCOMPARE(events.at(3).toMap().value(u"common"_s).toBool(), true);

    const QJsonObject prefilled =
            QJsonDocument::fromJson(m_playground->frameFor(u"/chat"_s, u"chat:send"_s, u"lobby"_s).toUtf8()).object();
    QCOMPARE(prefilled, (QJsonObject{{u"event"_s, u"chat:send"_s}, {u"room"_s, u"lobby"_s},
                                     {u"payload"_s, QJsonObject{{u"text"_s, u"hello"_s}}}}));
    QCOMPARE(m_playground->validate(frame(prefilled), u"/chat"_s), QString()); // the example passes
    // An event without an example gets no payload.
    QVERIFY(!m_playground->frameFor(u"/board"_s, u"board:clear"_s, u"r1"_s).contains(u"payload"_s));
}

void tst_Playground::validationRefusesAPayloadThatBreaksTheSchema()
{
    QVERIFY(connectConsole());
    const QString route = u"/chat"_s;
    QCOMPARE(m_playground->validate(u"{\"event\": \"chat:send\", \"room\": \"lobby\", \"payload\": {\"text\": 5}}"_s, route),
             u"payload /text: must be string"_s);
    QCOMPARE(m_playground->validate(u"{\"event\": \"chat:send\", \"room\": \"lobby\", \"payload\": {}}"_s, route),
             u"payload /: needs \"text\""_s);
    QCOMPARE(m_playground->validate(u"{\"event\": \"chat:send\", \"room\": \"lobby\"}"_s, route),
             u"payload /: must be object"_s); // no payload is checked as null
    QCOMPARE(m_playground->validate(u"{\"event\": \"chat:send\", \"payload\": {\"text\": \"hi\"}}"_s, route),
             u"chat:send needs a \"room\" the client has joined"_s);
    QCOMPARE(m_playground->validate(u"{\"event\": \"presence:update\", \"room\": \"lobby\", \"payload\": {\"status\": \"\"}}"_s, route),
             u"payload /status: needs at least 1 characters"_s); // common events are checked too
    // Events the catalog does not know, and other routes' events, are only checked as frames.
    QCOMPARE(m_playground->validate(u"{\"event\": \"x:y\", \"payload\": 5}"_s, route), QString());
    QCOMPARE(m_playground->validate(u"{\"event\": \"chat:send\", \"payload\": 5}"_s, u"/board"_s), QString());
    QVERIFY(m_playground->validate(u"{\"event\": "_s, route).startsWith(u"invalid JSON"_s));
}

void tst_Playground::aliceAndBobSideBySideWithMintedTokens()
{
    QVERIFY(connectConsole());
    QTest::ignoreMessage(QtInfoMsg, QRegularExpression(u"ops minted a token for user alice with roles \\[moderator\\]"_s));
    QTest::ignoreMessage(QtInfoMsg, QRegularExpression(u"ops minted a token for user bob with roles \\[\\]"_s));
    TestConnection *alice = m_playground->openAs(wsBase(*m_server), u"/chat"_s, u"alice"_s, {u"moderator"_s, u" "_s});
    TestConnection *bob = m_playground->openAs(wsBase(*m_server), u"/chat"_s, u"bob"_s, {});
    QCOMPARE(m_playground->connections().size(), 2);
    QCOMPARE(alice->label(), u"alice (moderator)"_s);
    QCOMPARE(bob->label(), u"bob"_s);
    QAbstractItemModelTester tester(bob, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QTRY_VERIFY(alice->isConnected() && bob->isConnected());

    // Both are who the minted tokens say, in the server's own view.
    QTRY_COMPARE(m_admin->sockets()->rowCount(), 2);
    QCOMPARE(m_admin->sockets()->socket(alice->socketId()).value("user"_L1).toObject().value("roles"_L1).toArray(),
             QJsonArray{u"moderator"_s});
    QCOMPARE(m_admin->sockets()->socket(bob->socketId()).value("user"_L1).toObject().value("id"_L1).toString(), u"bob"_s);

    QSignalSpy aliceAcks(alice, &TestConnection::ackReceived), bobAcks(bob, &TestConnection::ackReceived);
    QVERIFY(alice->send(u"{\"event\": \"room:join\", \"room\": \"lobby\"}"_s));
    QVERIFY(bob->send(u"{\"event\": \"room:join\", \"room\": \"lobby\"}"_s));
    QTRY_COMPARE(aliceAcks.size(), 1);
    QTRY_COMPARE(bobAcks.size(), 1);
    QVERIFY(alice->send(m_playground->frameFor(u"/chat"_s, u"chat:send"_s, u"lobby"_s)));
    QTRY_COMPARE(aliceAcks.size(), 2);
    QTRY_COMPARE(bob->received(u"chat:message"_s).size(), 1);
    const QJsonObject message = QJsonDocument::fromJson(bob->received(u"chat:message"_s).first().toUtf8()).object();
    QCOMPARE(message.value("payload"_L1).toObject().value("text"_L1).toString(), u"hello"_s);
    QCOMPARE(message.value("from"_L1).toString(), alice->socketId());

    // The round trip: measured per ack, from its own frame's send, and shown in the log.
    const double roundTrip = aliceAcks.last().at(0).toDouble();
    QVERIFY2(roundTrip >= 0 && roundTrip < 5000, qPrintable(QString::number(roundTrip)));
    QCOMPARE(aliceAcks.last().at(1).toJsonObject().value("payload"_L1).toObject().value("delivered"_L1).toInt(), 2);
    QCOMPARE(alice->lastRoundTripMs(), roundTrip);
    const QModelIndex lastAck = alice->index(alice->rowCount() - 1);
    QCOMPARE(lastAck.data(TestConnection::KindRole).toString(), u"ack"_s);
    QCOMPARE(lastAck.data(TestConnection::RoundTripRole).toDouble(), roundTrip);
    // Pushes have no round trip.
    for (int row = 0; row < bob->rowCount(); ++row) {
        if (bob->index(row).data(TestConnection::KindRole) == u"in"_s)
            QCOMPARE(bob->index(row).data(TestConnection::RoundTripRole).toDouble(), -1.0);
    }
}

void tst_Playground::observerCannotMintAndTheClientSaysWhy()
{
    QVERIFY(connectConsole(u"observer"_s));
    TestConnection *eve = m_playground->openAs(wsBase(*m_server), u"/chat"_s, u"eve"_s, {u"admin"_s});
    QTRY_VERIFY(eve->status().startsWith(u"no token:"_s));
    QVERIFY2(eve->status().contains(u"observers may watch but not act"_s), qPrintable(eve->status()));
    QVERIFY(!eve->isConnected());
    QCOMPARE(m_server->hub().sessionCount(), 1); // the console alone
}

void tst_Playground::templatesExportImportRoundTrip()
{
    const QString chat = m_playground->frameFor(u"/chat"_s, u"chat:send"_s, u"lobby"_s);
    m_playground->saveTemplate(u"alice says hi"_s, chat);
    m_playground->saveTemplate(u"unicode ✓"_s, u"{\"event\": \"chat:send\", \"payload\": {\"text\": \"café\"}}"_s);
    const QStringList names = m_playground->templateNames();
    const QString file = m_dir->filePath(u"templates.json"_s);
    QCOMPARE(m_playground->exportTemplates(QUrl::fromLocalFile(file).toString()), QString()); // a file:// URL works

    // Another console (its own settings) imports them: the same names, the same texts.
    Playground other(m_dir->filePath(u"other.ini"_s));
    QSignalSpy changed(&other, &Playground::templatesChanged);
    QCOMPARE(other.importTemplates(file), QString());
    QCOMPARE(changed.size(), 1);
    QCOMPARE(other.templateNames(), names);
    for (const QString &name : names)
        QCOMPARE(other.templateText(name), m_playground->templateText(name));

    // Importing again replaces by name, it does not duplicate.
    QCOMPARE(other.importTemplates(file), QString());
    QCOMPARE(other.templateNames(), names);
}

void tst_Playground::importRefusesABadFileAndChangesNothing()
{
    m_playground->saveTemplate(u"kept"_s, u"{\"event\": \"a:b\"}"_s);
    const QStringList before = m_playground->templateNames();
    const auto write = [this](const QByteArray &content) {
        QFile file(m_dir->filePath(u"bad.json"_s));
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return QString();
        file.write(content);
        return file.fileName();
    };
    QVERIFY(m_playground->importTemplates(m_dir->filePath(u"missing.json"_s)).startsWith(u"cannot read"_s));
    QVERIFY(m_playground->importTemplates(write("{not json")).startsWith(u"not JSON"_s));
    QVERIFY(m_playground->importTemplates(write("{\"templates\": []}")).startsWith(u"not a Cortado templates file"_s));
    // The second entry is bad: the first is not saved either.
    const QString bad = m_playground->importTemplates(
            write("{\"cortadoTemplates\": 1, \"templates\": [{\"name\": \"fine\", \"text\": \"{}\"},"
                  " {\"name\": \"a/b\", \"text\": \"{}\"}]}"));
    QVERIFY2(bad.startsWith(u"template 2: a name is 1 to 64 characters"_s), qPrintable(bad));
    QByteArray many = "{\"cortadoTemplates\": 1, \"templates\": [";
    for (int i = 0; i <= Playground::MaxTemplates; ++i)
        many += (i ? "," : "") + QByteArray("{\"name\": \"t") + QByteArray::number(i) + "\", \"text\": \"{}\"}";
    many += "]}";
    QVERIFY(m_playground->importTemplates(write(many)).contains(u"at most 200 templates"_s));
    QVERIFY(m_playground->importTemplates(write(QByteArray(Playground::MaxTemplatesFileBytes + 1, ' ')))
                    .contains(u"at most"_s));
    QCOMPARE(m_playground->templateNames(), before);
}

QTEST_MAIN(tst_Playground)
#include "tst_playground.moc"
