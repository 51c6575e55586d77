// Deletion needs no finalizer: every owned object carries a controller owner reference, so the garbage collector
// removes them once the FaunaCluster is gone. Node PVCs follow spec.persistentVolumeClaimRetention.whenDeleted
// (default Retain: the data outlives the cluster; Delete: the StatefulSet controller releases them).
import { next, stop, type Gate } from "../pass.ts";

export const handleDeletion: Gate = {
  name: "HandleDeletion",
  async run(pass) {
    if (pass.cluster.metadata.deletionTimestamp) {
      pass.log.info("being deleted: owned objects go with it (owner references)");
      return stop();
    }
    return next();
  },
};
