package dev.distill.eval.rest;

import dev.distill.eval.CheckpointScore;
import dev.distill.eval.service.LeaderboardService;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** {@code GET /leaderboard}: every scored checkpoint, best accuracy first. */
@Path("/leaderboard")
@Produces(MediaType.APPLICATION_JSON)
public class LeaderboardResource {
    private final LeaderboardService leaderboard;

    public LeaderboardResource(LeaderboardService leaderboard) {
        this.leaderboard = leaderboard;
    }

    @GET
    public Uni<List<CheckpointScore>> leaderboard() {
        return leaderboard.leaderboard();
    }
}
