// Types of /socket.io/socket.io.esm.min.js, the client bundle the backend's Socket.IO server serves itself (same
// version as the server). The dashboard imports it by that URL; this file only gives the import its types.
export { io, Manager, Socket } from 'socket.io-client';
