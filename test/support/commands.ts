import type { BackendProcess } from './backend.js';
import { eventually } from './eventually.js';

/**
 * Sends a command to unit/sensor over REST (as the harness's admin) and waits until it is `confirmed`; answers its
 * id. Throws with the command's last state when it is refused or does not end confirmed in time.
 */
export async function commandConfirmed(
  backend: BackendProcess,
  unitId: string,
  sensorType: string,
  value: number,
  timeoutMs = 20_000,
): Promise<string> {
  const sent = await backend.request<{ id: string }>(
    'POST',
    `/api/v1/scada/units/${unitId}/sensors/${sensorType}/commands`,
    { value },
  );
  if (sent.status !== 202) throw new Error(`command to ${unitId}/${sensorType} refused: ${sent.status} ${sent.text}`);
  await eventually(
    async () => {
      const reply = await backend.request<{ state: string }>('GET', `/api/v1/scada/commands/${sent.body.id}`);
      if (reply.body.state !== 'confirmed') throw new Error(`command ${sent.body.id} is ${reply.body.state}`);
    },
    timeoutMs,
    100,
  );
  return sent.body.id;
}

/** The command settings `settings` on the sensor unit/sensor (found by its type among the unit's sensors). */
export async function putCommandSettings(
  backend: BackendProcess,
  unitId: string,
  sensorType: string,
  settings: Record<string, unknown>,
): Promise<void> {
  const sensors = await backend.request<{ items: { id: number; sensor_type: string }[] }>(
    'GET',
    `/api/v1/scada/units/${unitId}/sensors`,
  );
  const sensor = sensors.body.items.find((s) => s.sensor_type === sensorType);
  if (sensor === undefined) throw new Error(`${unitId} has no sensor ${sensorType}`);
  const put = await backend.request('PUT', `/api/v1/scada/sensors/${sensor.id}/command-settings`, settings);
  if (put.status !== 200) throw new Error(`command settings of ${unitId}/${sensorType}: ${put.status} ${put.text}`);
}
