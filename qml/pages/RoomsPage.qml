import QtQuick
import QtQuick.Controls
import QtQuick.Layouts

ColumnLayout {
    id: page
    required property var admin
    property int selectedRow: -1
    spacing: 8

    // A page of rooms, filtered and sorted by the server (admin:query), refreshed by it (admin:page).
    property int pageSize: 100
    function query(offset) {
        admin.queryRooms({ filter: { text: roomFilter.text }, sort: { key: roomSort.currentText },
                           offset: Math.max(0, offset), limit: pageSize })
    }
    Timer { id: typing; interval: 300; onTriggered: page.query(0) }
    RowLayout {
        TextField {
            id: roomFilter
            objectName: "roomsFilter"
            placeholderText: "Filter: route or room"
            Layout.preferredWidth: 240
            onTextChanged: typing.restart()
        }
        Label { text: "Sort by" }
        ComboBox {
            id: roomSort
            objectName: "roomsSortKey"
            model: ["room", "route", "members"]
            onActivated: page.query(0)
        }
        Button {
            objectName: "roomsPrevious"
            text: "Previous"
            enabled: page.admin.roomsOffset > 0
            onClicked: page.query(page.admin.roomsOffset - page.pageSize)
        }
        Label {
            objectName: "roomsPageLabel"
            font.bold: true
            text: (page.admin.rooms.count === 0 ? "0" : (page.admin.roomsOffset + 1) + "–"
                   + (page.admin.roomsOffset + page.admin.rooms.count))
                  + " of " + page.admin.roomsMatched + " matching (" + page.admin.roomsTotal + " rooms)"
        }
        Button {
            objectName: "roomsNext"
            text: "Next"
            enabled: page.admin.roomsOffset + page.admin.rooms.count < page.admin.roomsMatched
            onClicked: page.query(page.admin.roomsOffset + page.pageSize)
        }
    }
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
