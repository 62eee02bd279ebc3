/** The Socket.IO room of a unit: every client subscribed to it receives its sensor_data. */
export const unitRoom = (unitId: string): string => `unit:${unitId}`;

/** The room of every unit's alarms: joined by sockets whose credential has no unit scope. */
export const ALL_ALARMS_ROOM = 'alarms:*';

/** The room of one unit's alarms: joined at connection by sockets whose scope covers the unit. */
export const alarmRoom = (unitId: string): string => `alarms:${unitId}`;
