import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ColumnLayout {
    id: page
    required property var admin
    property int selectedRow: -1
    spacing: 8

    Label { text: page.admin.rooms.count + " rooms"; font.bold: true }
    Row {
        Repeater {
            model: [["Route", 90], ["Room", 200], ["Members", 80], ["History", 80], ["Offset", 70], ["Presence", 500]]
            Label { text: modelData[0]; width: modelData[1]; font.bold: true }
        }
    }
    ListView {
        id: list
        Layout.fillWidth: true
        Layout.fillHeight: true
        clip: true
        model: page.admin.rooms
        delegate: ItemDelegate {
            width: list.width
            height: 30
            highlighted: index === page.selectedRow
            onClicked: { page.selectedRow = index; route.text = model.route; room.text = model.room }
            contentItem: Row {
                Label { text: model.route; width: 90 }
                Label { text: model.room; width: 200; elide: Text.ElideRight }
                Label { text: model.members; width: 80 }
                Label { text: model.historyLength === undefined ? "–" : model.historyLength; width: 80 }
                Label { text: model.offset === undefined ? "–" : model.offset; width: 70 }
                Label { text: model.presenceText; width: 500; elide: Text.ElideRight }
            }
        }
    }
    Frame {
        Layout.fillWidth: true
        enabled: page.admin.role === "admin"
        RowLayout {
            anchors.fill: parent
            Label { text: "Emit into" }
            TextField { id: route; placeholderText: "route"; text: "/chat"; Layout.preferredWidth: 90 }
            TextField { id: room; placeholderText: "room"; Layout.preferredWidth: 160 }
            TextField { id: event; text: "ops:notice"; Layout.preferredWidth: 120 }
            TextField { id: payload; text: "{\"text\": \"maintenance in 5 minutes\"}"; Layout.fillWidth: true }
            Button { text: "Emit to room"; onClicked: page.admin.emitEvent("room", route.text, room.text, "", event.text, payload.text) }
            Button { text: "Everyone"; onClicked: page.admin.emitEvent("everyone", "", "", "", event.text, payload.text) }
        }
    }
}
