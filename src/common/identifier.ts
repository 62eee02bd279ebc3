/**
 * Unit ids and sensor types: 1–64 letters, digits, `_` or `-`. Safe as MQTT topic levels, Socket.IO room
 * names and SQL values, and checked wherever one enters the system (topics, socket events, REST, rules).
 */
export const IDENTIFIER = /^[A-Za-z0-9_-]{1,64}$/;
