// A module (not a script), so that the blocks below augment the bus's vocabulary instead of declaring a new module.
export {};

declare module '../common/bus/event-map.js' {
  interface ReadingSources {
    sparkplug: true;
  }
}

declare module '../pipeline/pipeline-stats.js' {
  /** What only Sparkplug refuses (docs/sparkplug.md, "Rejections"); the reading rules after it are shared. */
  interface RejectReasons {
    /** Not `spBv1.0/{group}/{type}/{edge node}[/{device}]` or `spBv1.0/STATE/{host}`, or an unknown type. */
    sparkplug_topic_invalid: true;
    /** Protobuf the decoder cannot read: truncated, bad tag or wire type, nested too deep. */
    sparkplug_payload_invalid: true;
    sparkplug_payload_too_large: true;
    /** More metrics in one payload than the decoder takes (MAX_METRICS). */
    sparkplug_too_many_metrics: true;
    /** NDATA/DDATA/DBIRTH/DDEATH of an edge node or device without a current birth: a Rebirth is requested. */
    sparkplug_no_birth: true;
    /** A data metric whose alias or name its birth did not define: a Rebirth is requested. */
    sparkplug_unknown_metric: true;
    /** A metric with neither name nor alias, or a name that sanitises to nothing. */
    sparkplug_metric_invalid: true;
    /** Strings, text, UUIDs, bytes, files, datasets, templates, property sets, arrays: not a numeric point. */
    sparkplug_unsupported_datatype: true;
    /** The metric's value field does not fit its datatype. */
    sparkplug_value_mismatch: true;
    /** `is_null`: the point has no value; nothing is stored. */
    sparkplug_null_value: true;
    /** An NBIRTH without its bdSeq metric. */
    sparkplug_birth_invalid: true;
    /** An NBIRTH of a session older than (or the same as) the node's current or dead one. */
    sparkplug_stale_birth: true;
    /** An NDEATH whose bdSeq is not the current session's. */
    sparkplug_stale_death: true;
  }
}
