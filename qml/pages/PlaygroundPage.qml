// The playground: test clients side by side (each signed in as a chosen user with chosen roles, the
// token minted by the server, or with a pasted token), a composer that lists the route's events from
// the server's event catalog, pre-fills their example and checks the frame against the event's
// schema as you type, each ack with its round trip, and templates that export and import as a file.
// Stock controls only: colours and fonts come from the style (the console's theme).
import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Cortado.Console
import "../components"

ColumnLayout {
    id: page
    required property var admin
    required property var playground
    required property var settings
    property int currentIndex: -1
    property var current: currentIndex >= 0 ? playground.connections[currentIndex] ?? null : null
    // The route the composer describes: the selected client's, else the one typed for the next client.
    readonly property string composerRoute: current ? current.route : routeField.editText
    // The catalog's events for that route (re-read when the catalog changes).
    readonly property var catalogEvents: {
        playground.catalogRoutes // a dependency: re-read when a new catalog arrives
        return playground.events(composerRoute)
    }
    readonly property alias problem: problemLabel.text
    property alias frameText: editor.text
    spacing: 8

    function describe(connection) {
        return connection.label + " " + connection.route + " " + (connection.socketId ? connection.socketId.substring(0, 6) : "…")
    }

    function select(connection) {
        currentIndex = playground.connections.indexOf(connection)
    }

    // Test clients for the screenshots: alice and bob side by side in "lobby" (tokens minted by the
    // server) when the console is an admin's, else one guest.
    function openDemo() {
        const users = page.admin.role === "admin" ? [["alice", ["moderator"]], ["bob", []]] : [["", []]]
        for (const [user, roles] of users) {
            const connection = user ? playground.openAs(serverUrl.text, "/chat", user, roles)
                                    : playground.open(serverUrl.text, "/chat", "")
            select(connection)
            let sent = false
            connection.stateChanged.connect(function() {
                if (!sent && connection.socketId !== "") {
                    sent = true
                    connection.send('{"event": "room:join", "room": "lobby"}')
                    connection.send(JSON.stringify({ event: "chat:send", room: "lobby",
                                                     payload: { text: "hello from " + (user || "the playground") } }))
                }
            })
        }
    }

    // Fills the composer with the catalog's example of the event at `index` of the event list.
    function prefill(index) {
        if (index < 0 || index >= catalogEvents.length)
            return
        editor.text = playground.frameFor(composerRoute, catalogEvents[index].event, roomField.text)
    }

    RowLayout {
        Label { text: "Server" }
        TextField { id: serverUrl; objectName: "serverUrl"; text: page.settings.url; Layout.preferredWidth: 190 }
        ComboBox {
            id: routeField
            objectName: "routeField"
            editable: true
            model: page.playground.catalogRoutes.length > 0 ? page.playground.catalogRoutes : ["/chat"]
            Layout.preferredWidth: 110
        }
        TextField { id: userField; objectName: "userField"; placeholderText: "user"; text: "alice"; Layout.preferredWidth: 90 }
        TextField { id: rolesField; objectName: "rolesField"; placeholderText: "roles, comma-separated"; Layout.preferredWidth: 150 }
        Button {
            objectName: "openAsButton"
            text: "Open as user"
            enabled: page.admin.role === "admin" && userField.text.trim().length > 0
            ToolTip.visible: hovered
            ToolTip.text: "The server mints a token for this user and roles (admins only; audited)"
            onClicked: page.select(page.playground.openAs(serverUrl.text, routeField.editText, userField.text,
                                                          rolesField.text.split(",")))
        }
        TextField { id: token; placeholderText: "or paste a token"; echoMode: TextInput.Password; Layout.preferredWidth: 130 }
        Button {
            objectName: "openWithTokenButton"
            text: token.text.length > 0 ? "Open with token" : "Open as guest"
            onClicked: page.select(page.playground.open(serverUrl.text, routeField.editText, token.text))
        }
        Button {
            text: "Close"
            enabled: page.current !== null
            onClicked: { page.playground.remove(page.current); page.currentIndex = page.playground.connections.length - 1 }
        }
    }

    RowLayout {
        Layout.fillWidth: true
        Layout.fillHeight: true

        // The composer.
        ColumnLayout {
            Layout.preferredWidth: 340
            Layout.maximumWidth: 340
            Layout.fillHeight: true
            RowLayout {
                Label { text: "Send from" }
                ComboBox {
                    id: sender
                    objectName: "senderBox"
                    Layout.fillWidth: true
                    model: page.playground.connections.map(c => page.describe(c))
                    // Explicit: a new model (a client connected or closed) resets the box's own index.
                    displayText: page.current ? page.describe(page.current) : "open a test client"
                    onActivated: index => page.currentIndex = index
                }
            }
            RowLayout {
                ComboBox {
                    id: eventBox
                    objectName: "eventBox"
                    Layout.fillWidth: true
                    model: page.catalogEvents
                    textRole: "event"
                    displayText: count > 0 ? currentText : "no catalog for " + page.composerRoute
                    onActivated: index => page.prefill(index)
                }
                TextField { id: roomField; objectName: "roomField"; text: "lobby"; placeholderText: "room"; Layout.preferredWidth: 90 }
            }
            Label {
                objectName: "eventSummary"
                Layout.fillWidth: true
                wrapMode: Text.Wrap
                visible: text.length > 0
                text: {
                    const e = page.catalogEvents[eventBox.currentIndex]
                    if (!e)
                        return ""
                    return e.summary + (e.requiresMembership ? " (join the room first)" : "") + (e.hasSchema ? "" : " — no schema")
                }
            }
            ScrollView {
                Layout.fillWidth: true
                Layout.fillHeight: true
                contentWidth: availableWidth // the text wraps: its width follows the view, not the other way round
                TextArea {
                    id: editor
                    objectName: "frameEditor"
                    wrapMode: TextEdit.Wrap
                    text: page.playground.templateText("chat")
                }
            }
            // Right under the editor: what is wrong with the frame, as you type.
            Label {
                id: problemLabel
                objectName: "frameProblem"
                text: {
                    page.catalogEvents // a dependency: re-check against a new catalog
                    return page.playground.validate(editor.text, page.composerRoute)
                }
                visible: text.length > 0
                wrapMode: Text.Wrap
                Layout.fillWidth: true
            }
            RowLayout {
                Button {
                    objectName: "sendButton"
                    text: "Send"
                    enabled: page.current !== null && page.current.connected && problemLabel.text === ""
                    onClicked: page.current.send(editor.text)
                }
                Label {
                    objectName: "roundTrip"
                    text: page.current && page.current.lastRoundTripMs >= 0
                          ? "last ack after " + page.current.lastRoundTripMs.toFixed(1) + " ms" : ""
                }
            }
            RowLayout {
                ComboBox { id: templates; model: page.playground.templateNames; onActivated: editor.text = page.playground.templateText(currentText) }
                TextField { id: templateName; placeholderText: "template name"; Layout.fillWidth: true }
                Button { text: "Save"; enabled: templateName.text.length > 0; onClicked: page.playground.saveTemplate(templateName.text, editor.text) }
            }
            // The templates file: typed, or chosen ("Choose…" asks whether to write or read it), on
            // a row of its own so that the path stays readable in this narrow column.
            FileField {
                id: templatesFile
                objectName: "templatesFile"
                placeholderText: "templates file (.json)"
                offerBoth: true
                writeLabel: "To export to…"
                readLabel: "To import from…"
                title: "Templates file"
                nameFilters: ["Cortado templates (*.json)", "All files (*)"]
                defaultSuffix: "json"
                Layout.fillWidth: true
            }
            RowLayout {
                Button {
                    objectName: "templatesExport"
                    text: "Export"
                    enabled: templatesFile.path.length > 0
                    onClicked: { const e = page.playground.exportTemplates(templatesFile.path); templatesStatus.text = e || "exported to " + templatesFile.path }
                }
                Button {
                    objectName: "templatesImport"
                    text: "Import"
                    enabled: templatesFile.path.length > 0
                    onClicked: { const e = page.playground.importTemplates(templatesFile.path); templatesStatus.text = e || "imported from " + templatesFile.path }
                }
            }
            Label { id: templatesStatus; objectName: "templatesStatus"; visible: text.length > 0; wrapMode: Text.Wrap; Layout.fillWidth: true }
        }

        // The test clients, side by side: each its own log. Click one to send from it.
        ListView {
            id: clients
            objectName: "clientsView"
            Layout.fillWidth: true
            Layout.fillHeight: true
            orientation: ListView.Horizontal
            spacing: 8
            clip: true
            model: page.playground.connections
            delegate: Frame {
                id: pane
                required property var modelData
                required property int index
                // Two or three fit side by side; more scroll sideways.
                width: Math.max(220, Math.min(420, (clients.width - clients.spacing * (clients.count - 1)) / Math.max(1, clients.count)))
                height: clients.height
                ColumnLayout {
                    anchors.fill: parent
                    RowLayout {
                        RadioButton {
                            checked: pane.index === page.currentIndex
                            onClicked: page.currentIndex = pane.index
                        }
                        Label {
                            Layout.fillWidth: true
                            elide: Text.ElideRight
                            font.bold: pane.index === page.currentIndex
                            text: pane.modelData.label + " · " + pane.modelData.route + " · " + pane.modelData.status
                        }
                    }
                    ListView {
                        id: log
                        Layout.fillWidth: true
                        Layout.fillHeight: true
                        clip: true
                        model: pane.modelData
                        onCountChanged: positionViewAtEnd()
                        delegate: Label {
                            width: log.width
                            wrapMode: Text.WrapAnywhere
                            maximumLineCount: 3
                            text: model.time + "  " + model.kind
                                  + (model.roundTripMs >= 0 ? " (" + model.roundTripMs.toFixed(1) + " ms)" : "")
                                  + "  " + model.text
                        }
                    }
                }
            }
        }

        ColumnLayout {
            Layout.preferredWidth: 240
            Layout.maximumWidth: 240
            Layout.fillHeight: true
            Label { text: "What the server saw"; font.bold: true }
            TrafficFilter { id: seen; sourceModel: page.admin.traffic; socket: page.current ? page.current.socketId : "-" }
            ListView {
                id: seenList
                Layout.fillWidth: true
                Layout.fillHeight: true
                clip: true
                model: seen
                delegate: Label { width: seenList.width; elide: Text.ElideRight; text: model.time + " " + model.direction + " " + model.event + " " + model.payload }
            }
        }
    }
}
