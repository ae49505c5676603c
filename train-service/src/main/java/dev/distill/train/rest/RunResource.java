package dev.distill.train.rest;

import dev.distill.core.wire.RecordIds;
import dev.distill.train.StudentCheckpoint;
import dev.distill.train.TrainingRun;
import dev.distill.train.ml.StudentTrainer;
import dev.distill.train.service.RunService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** Read-only listing of runs and their checkpoints, and the live progress of this instance's run. */
@Path("/runs")
@Produces(MediaType.APPLICATION_JSON)
public class RunResource {
    private final RunService runs;
    private final StudentTrainer trainer;

    public RunResource(RunService runs, StudentTrainer trainer) {
        this.runs = runs;
        this.trainer = trainer;
    }

    /** Steps and examples applied so far, live (the run rows are updated at most once a second). */
    @GET
    @Path("/current")
    public StudentTrainer.Progress current() {
        return trainer.progress();
    }

    @GET
    public Uni<List<TrainingRun>> list() {
        return runs.runs();
    }

    @GET
    @Path("/{runId}/checkpoints")
    public Uni<List<StudentCheckpoint>> checkpoints(@PathParam("runId") String runId) {
        String problem = RecordIds.problem("run id", runId);
        if (problem != null) {
            throw new BadRequestException(problem);
        }
        return runs.checkpoints(runId);
    }
}
