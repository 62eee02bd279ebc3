/** The Socket.IO room of a unit: every client subscribed to it receives its sensor_data. */
export const unitRoom = (unitId: string): string => `unit:${unitId}`;
