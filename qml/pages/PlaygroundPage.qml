import QtQuick
import QtQuick.Controls
import QtQuick.Layouts
import Cortado.Console

ColumnLayout {
    id: page
    required property var admin
    required property var playground
    required property var settings
    property var current: bar.currentIndex >= 0 ? playground.connections[bar.currentIndex] ?? null : null
    spacing: 8

    function openDemo() {
        const connection = playground.open(serverUrl.text, "/chat", "")
        bar.currentIndex = playground.connections.length - 1
        let sent = false
        connection.stateChanged.connect(function() {
            if (!sent && connection.socketId !== "") {
                sent = true
                connection.send('{"event": "room:join", "room": "lobby"}')
                connection.send('{"event": "chat:send", "room": "lobby", "payload": {"text": "hello from the playground"}}')
            }
        })
    }

    RowLayout {
        Label { text: "Test client" }
        TextField { id: serverUrl; text: page.settings.url; Layout.preferredWidth: 200 }
        TextField { id: route; text: "/chat"; Layout.preferredWidth: 80 }
        TextField { id: token; placeholderText: "token (optional)"; echoMode: TextInput.Password; Layout.preferredWidth: 180 }
        Button { text: "Open"; onClicked: { page.playground.open(serverUrl.text, route.text, token.text); bar.currentIndex = page.playground.connections.length - 1 } }
        Button { text: "Close"; enabled: page.current !== null; onClicked: page.playground.remove(page.current) }
    }
    TabBar {
        id: bar
        Layout.fillWidth: true
        Repeater {
            model: page.playground.connections
            TabButton { text: modelData.route + " " + (modelData.socketId ? modelData.socketId.substring(0, 6) : "…"); width: implicitWidth + 20 }
        }
    }
    RowLayout {
        Layout.fillWidth: true
        Layout.fillHeight: true
        ColumnLayout {
            Layout.preferredWidth: 380
            Layout.maximumWidth: 380
            Layout.fillHeight: true
            RowLayout {
                ComboBox { id: templates; model: page.playground.templateNames; onActivated: editor.text = page.playground.templateText(currentText) }
                TextField { id: templateName; placeholderText: "template name"; Layout.fillWidth: true }
                Button { text: "Save"; enabled: templateName.text.length > 0; onClicked: page.playground.saveTemplate(templateName.text, editor.text) }
            }
            ScrollView {
                Layout.fillWidth: true
                Layout.fillHeight: true
                TextArea {
                    id: editor
                    font.family: "monospace"
                    wrapMode: TextEdit.Wrap
                    text: page.playground.templateText("chat")
                }
            }
            Label { id: problem; text: page.playground.validate(editor.text); color: "#b33"; wrapMode: Text.Wrap; Layout.fillWidth: true }
            Button {
                text: "Send"
                enabled: page.current !== null && page.current.connected && problem.text === ""
                onClicked: page.current.send(editor.text)
            }
        }
        ColumnLayout {
            Layout.fillWidth: true
            Layout.fillHeight: true
            Label { text: page.current ? "This client (" + page.current.status + ")" : "Open a test client"; font.bold: true }
            ListView {
                id: log
                Layout.fillWidth: true
                Layout.fillHeight: true
                clip: true
                model: page.current
                onCountChanged: positionViewAtEnd()
                delegate: Label {
                    width: log.width
                    wrapMode: Text.WrapAnywhere
                    maximumLineCount: 3
                    text: model.time + "  " + model.kind + "  " + model.text
                    color: model.kind === "out" ? "#2b6cb0" : model.kind === "ack" ? "#2e9d4f" : "#333"
                }
            }
        }
        ColumnLayout {
            Layout.preferredWidth: 360
            Layout.maximumWidth: 360
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
